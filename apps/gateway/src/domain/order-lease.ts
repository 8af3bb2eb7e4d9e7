import type { OrderStatus, Prisma, PrismaClient } from '@oos/db-gateway';
import { orderChanged } from '../cache/order-changes.ts';
import { type TransitionWatch, transitionReason } from '../observability/order-transitions.ts';
import type { OrderWithItems } from './order-view.ts';

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

/** An order together with the lease its runner holds on it. */
export interface Held {
  order: OrderWithItems;
  lease: Lease;
}

/**
 * Writes `data` while still holding the lease, extending it for the next step; returns the order as stored
 * and the renewed lease. Every status change of an order goes through here, so `watch` (the status before the
 * write) is where transitions are logged and counted.
 *
 * One conditional `UPDATE … RETURNING` per step: the row comes back from the write itself, and the items are
 * taken from the order already held, since an order's items never change after it is created.
 */
export async function writeHolding(
  db: PrismaClient,
  held: Held,
  leaseMs: number,
  data: Prisma.OrderUpdateManyMutationInput,
  keepLease = true,
  watch?: TransitionWatch,
): Promise<Held> {
  const { lease } = held;
  const until = keepLease ? leaseUntil(leaseMs) : null;
  const [row] = await db.order.updateManyAndReturn({
    where: { id: lease.orderId, lockedUntil: lease.until },
    data: { ...data, lockedUntil: until },
  });
  if (row === undefined) throw new LeaseLostError(lease.orderId);
  // Only an order that had left PENDING can be in the order cache (it never keeps PENDING ones).
  if (held.order.status !== 'PENDING') await orderChanged(lease.orderId);
  const order: OrderWithItems = { ...row, items: held.order.items };
  if (watch && order.status !== watch.from) {
    watch.report({ orderId: order.id, from: watch.from, to: order.status, reason: transitionReason(order) });
  }
  return { order, lease: { orderId: lease.orderId, until: until ?? new Date(0) } };
}

/** What a run has done that its next write would have recorded: written when it lets go instead. */
export type Progress = Pick<OrderWithItems, 'reserved' | 'chargeInDoubt' | 'failureReason'>;

/**
 * Gives the order back (e.g. after an upstream failure) so that the next retry can resume at once, recording
 * the run's progress in the same write.
 */
export async function releaseLease(db: PrismaClient, lease: Lease, progress?: Progress): Promise<void> {
  await db.order.updateMany({
    where: { id: lease.orderId, lockedUntil: lease.until },
    data: { ...progress, lockedUntil: null },
  });
}
