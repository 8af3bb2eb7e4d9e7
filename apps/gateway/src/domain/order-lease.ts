import type { OrderStatus, Prisma, PrismaClient } from '@oos/db-gateway';
import { orderChanged } from '../cache/order-changes.ts';
import { type OrderWithItems, withItems } from './order-view.ts';

/**
 * A hold on a PENDING order while one runner (a request's saga, later the recovery worker) works on it. The
 * lease's expiry doubles as the holder's token: every write of the holder is conditional on it, so a runner
 * whose lease was taken over can no longer write.
 */
export interface Lease {
  orderId: string;
  until: Date;
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly orderId: string) {
    super(`lost the lease on order ${orderId}`);
  }
}

export function leaseUntil(leaseMs: number, now = new Date()): Date {
  return new Date(now.getTime() + leaseMs);
}

/**
 * Takes a free (or expired) lease on an order in one of `statuses` (PENDING for a saga; a cancel also takes
 * CONFIRMED ones) with one conditional update: at most one caller wins.
 */
export async function takeLease(
  db: PrismaClient,
  orderId: string,
  leaseMs: number,
  statuses: readonly OrderStatus[] = ['PENDING'],
): Promise<Lease | undefined> {
  const now = new Date();
  const until = leaseUntil(leaseMs, now);
  const { count } = await db.order.updateMany({
    where: {
      id: orderId,
      status: { in: [...statuses] },
      OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }],
    },
    data: { lockedUntil: until, attempts: { increment: 1 }, lastAttemptAt: now },
  });
  return count === 1 ? { orderId, until } : undefined;
}

/**
 * Writes `data` while still holding the lease, extending it for the next step; returns the order as stored
 * and the renewed lease.
 */
export async function writeHolding(
  db: PrismaClient,
  lease: Lease,
  leaseMs: number,
  data: Prisma.OrderUpdateManyMutationInput,
  keepLease = true,
): Promise<{ order: OrderWithItems; lease: Lease }> {
  const until = keepLease ? leaseUntil(leaseMs) : null;
  const { count } = await db.order.updateMany({
    where: { id: lease.orderId, lockedUntil: lease.until },
    data: { ...data, lockedUntil: until },
  });
  if (count !== 1) throw new LeaseLostError(lease.orderId);
  await orderChanged(lease.orderId);
  const order = await db.order.findUniqueOrThrow({ where: { id: lease.orderId }, include: withItems });
  return { order, lease: { orderId: lease.orderId, until: until ?? new Date(0) } };
}

/** Gives the order back (e.g. after an upstream failure) so that the next retry can resume at once. */
export async function releaseLease(db: PrismaClient, lease: Lease): Promise<void> {
  await db.order.updateMany({
    where: { id: lease.orderId, lockedUntil: lease.until },
    data: { lockedUntil: null },
  });
}
