import type { ReserveInput } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-inventory';
import { domainError } from '@oos/service-kit';
import { reservationFingerprint, sortedBySku } from './fingerprint.ts';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * All lines or none, in one transaction. The reservation row is claimed first with ON CONFLICT DO NOTHING, so a
 * concurrent call with the same id waits on the first one's row lock and then sees its outcome: a committed
 * reservation (a repeat) or nothing (the first rolled back on a shortage, and this one is evaluated afresh).
 * Each line is a single conditional UPDATE (never read-then-write), in SKU order so that two multi-line
 * reservations always lock rows in the same order and cannot deadlock.
 */
export async function reserveStock(db: PrismaClient, input: ReserveInput): Promise<'reserved' | 'repeat'> {
  const fingerprint = reservationFingerprint(input.items);
  return db.$transaction(async (tx) => {
    const claimed = await tx.reservation.createMany({
      data: [{ id: input.reservation_id, fingerprint }],
      skipDuplicates: true,
    });
    if (claimed.count === 0) {
      await answerRepeat(tx, input.reservation_id, fingerprint);
      return 'repeat';
    }
    // The lines go in before any stock row is touched: the stock row locks, which every reservation of a hot SKU
    // queues on, are then held only from the first decrement to the commit.
    await tx.reservationLine.createMany({
      data: input.items.map((line, position) => ({
        reservationId: input.reservation_id,
        position,
        sku: line.sku,
        quantity: line.quantity,
      })),
    });
    const short: string[] = [];
    for (const line of sortedBySku(input.items)) {
      if (!(await takeUnits(tx, line.sku, line.quantity))) short.push(line.sku);
    }
    // Throwing rolls everything back, the reservation and its lines included: a shortage is never recorded.
    if (short.length > 0) throw domainError('INSUFFICIENT_STOCK', { short_skus: short });
    return 'reserved';
  });
}

/** A finished reservation (held or already released) with the same lines answers as the first call did. */
async function answerRepeat(tx: Tx, id: string, fingerprint: string): Promise<void> {
  const existing = await tx.reservation.findUnique({ where: { id }, select: { fingerprint: true } });
  if (existing === null) throw new Error(`reservation ${id} vanished while being claimed`);
  if (existing.fingerprint !== fingerprint) throw domainError('RESERVATION_CONFLICT');
}

/** An unknown SKU matches no row, so it reads as no stock. */
async function takeUnits(tx: Tx, sku: string, quantity: number): Promise<boolean> {
  const changed = await tx.$executeRaw`
    UPDATE "stock"
       SET "quantity" = "quantity" - ${quantity}, "updated_at" = (now() AT TIME ZONE 'UTC')
     WHERE "sku" = ${sku} AND "quantity" >= ${quantity}`;
  return changed === 1;
}
