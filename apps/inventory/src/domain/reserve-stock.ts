import type { ReserveInput } from '@oos/contracts';
import { Prisma, type Statements } from '@oos/db-inventory';
import { domainError } from '@oos/service-kit';
import { z } from 'zod';
import { reservationFingerprint } from './fingerprint.ts';

const reserveResultSchema = z.tuple([
  z.object({
    outcome: z.enum(['reserved', 'repeat', 'conflict', 'short']),
    short_skus: z.array(z.string()),
  }),
]);

/**
 * All lines or none, in one statement: the `reserve_stock` function (migration 20261201100000) claims the
 * reservation id, takes every line's units in SKU order with a conditional UPDATE each (never read-then-write),
 * and on a shortage gives back what it took and drops the claim, so nothing of a failed reservation is
 * recorded. A repeat of the same id with the same lines answers as the first call did, without reserving again.
 */
export async function reserveStock(
  statements: Statements,
  input: ReserveInput,
): Promise<'reserved' | 'repeat'> {
  const fingerprint = reservationFingerprint(input.items);
  const skus = input.items.map((line) => line.sku);
  const quantities = input.items.map((line) => line.quantity);
  const [result] = reserveResultSchema.parse(
    await statements.rows(Prisma.sql`
      SELECT "outcome", "short_skus"
        FROM reserve_stock(${input.reservation_id}, ${fingerprint}, ${skus}::varchar[], ${quantities}::int[])`),
  );
  switch (result.outcome) {
    case 'reserved':
    case 'repeat':
      return result.outcome;
    case 'conflict':
      throw domainError('RESERVATION_CONFLICT');
    case 'short':
      throw domainError('INSUFFICIENT_STOCK', { short_skus: result.short_skus });
  }
}
