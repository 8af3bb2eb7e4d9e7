import type { ReleaseInput } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-inventory';
import { sortedBySku } from './fingerprint.ts';

/**
 * Gives a reservation's units back exactly once: the RESERVED → RELEASED flip is one conditional UPDATE, and only
 * the transaction whose flip changed the row returns the stock. Concurrent releases of the same reservation queue
 * on the row lock; the losers see RELEASED and change nothing.
 */
export async function releaseReservation(db: PrismaClient, input: ReleaseInput): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const flipped = await tx.$executeRaw`
      UPDATE "reservations"
         SET "status" = 'RELEASED', "released_at" = (now() AT TIME ZONE 'UTC')
       WHERE "id" = ${input.reservation_id} AND "status" = 'RESERVED'`;
    if (flipped !== 1) return false;
    const lines = await tx.reservationLine.findMany({
      where: { reservationId: input.reservation_id },
      select: { sku: true, quantity: true },
    });
    for (const line of sortedBySku(lines)) {
      await tx.$executeRaw`
        UPDATE "stock"
           SET "quantity" = "quantity" + ${line.quantity}, "updated_at" = (now() AT TIME ZONE 'UTC')
         WHERE "sku" = ${line.sku}`;
    }
    return true;
  });
}
