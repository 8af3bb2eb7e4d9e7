import type { ReleaseInput } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-inventory';
import { z } from 'zod';

const releaseResultSchema = z.tuple([z.object({ released: z.boolean() })]);

/**
 * Gives a reservation's units back exactly once, in one statement: the `release_reservation` function flips
 * RESERVED to RELEASED with a conditional UPDATE and only the call whose flip changed the row returns the stock
 * (line by line in SKU order). Concurrent releases queue on the row lock; the later ones change nothing.
 */
export async function releaseReservation(db: PrismaClient, input: ReleaseInput): Promise<boolean> {
  const [result] = releaseResultSchema.parse(
    await db.$queryRaw`SELECT release_reservation(${input.reservation_id}) AS "released"`,
  );
  return result.released;
}
