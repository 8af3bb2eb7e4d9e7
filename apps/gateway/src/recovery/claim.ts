import type { PrismaClient } from '@oos/db-gateway';
import type { Lease } from '../domain/order-lease.ts';

export interface ClaimOptions {
  leaseMs: number;
  /** Longest wait between two attempts of one order, however many failed before. */
  maxBackoffMs: number;
  batchSize: number;
}

// Timestamps are stored as UTC `timestamp(3)` (what Prisma writes); comparing them with a parameter typed as
// text and read as UTC keeps the session's time zone out of it.
const utc = (date: Date) => date.toISOString();

/**
 * Claims orders that need work and nobody holds: PENDING ones, CONFIRMED ones with a recorded cancellation,
 * and FAILED ones that still owe money (a timeout while payments was down). One transaction selects them with
 * `FOR UPDATE SKIP LOCKED` (a replica running the same query at the same time skips the rows this one locked
 * instead of waiting for them) and writes the lease before committing, so each order goes to exactly one
 * claimer. An order is due again once its lease has expired and its last attempt is older than the backoff:
 * the lease doubled per earlier attempt, capped at `maxBackoffMs`.
 */
export async function claimDueOrders(
  db: PrismaClient,
  options: ClaimOptions,
  now = new Date(),
): Promise<Lease[]> {
  const until = new Date(now.getTime() + options.leaseMs);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM orders
      WHERE (status = 'PENDING'
             OR (status = 'CONFIRMED' AND cancel_requested)
             OR (status = 'FAILED' AND (charge_in_doubt OR (charged AND NOT refunded))))
        AND (locked_until IS NULL OR locked_until < (CAST(${utc(now)} AS timestamptz) AT TIME ZONE 'UTC'))
        AND (last_attempt_at IS NULL
             OR last_attempt_at <= (CAST(${utc(now)} AS timestamptz) AT TIME ZONE 'UTC')
                - LEAST(CAST(${options.maxBackoffMs} AS double precision),
                        CAST(${options.leaseMs} AS double precision) * power(2, LEAST(GREATEST(attempts - 1, 0), 30)))
                  * INTERVAL '1 millisecond')
      ORDER BY last_attempt_at ASC NULLS FIRST, id
      LIMIT CAST(${options.batchSize} AS integer)
      FOR UPDATE SKIP LOCKED`;
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    await tx.order.updateMany({
      where: { id: { in: ids } },
      data: { lockedUntil: until, attempts: { increment: 1 }, lastAttemptAt: now },
    });
    return ids.map((orderId) => ({ orderId, until }));
  });
}
