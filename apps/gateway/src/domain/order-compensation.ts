import type { Logger } from '@oos/service-kit';
import { watchTransitions } from '../observability/order-transitions.ts';
import { type CallContext, callOptions } from '../upstreams.ts';
import { type Lease, releaseLease, writeHolding } from './order-lease.ts';
import {
  chargeOnce,
  runStep,
  type SagaDeps,
  type SagaRun,
  StepFailedError,
  stopHolding,
} from './order-saga.ts';
import type { OrderWithItems } from './order-view.ts';

/**
 * Why an order is being wound back: a cancellation (ends CANCELLED, and only once every step is undone) or the
 * recovery worker giving up on a PENDING order (ends FAILED/TIMED_OUT as soon as its stock is back).
 */
export type CompensationGoal = 'CANCELLED' | 'TIMED_OUT';

/** Money the order may still hold at payments: an un-refunded charge, or a charge whose outcome is unknown. */
export function owesMoney(order: OrderWithItems): boolean {
  return order.chargeInDoubt || (order.charged && !order.refunded);
}

/**
 * Undoes what the saga did, each undo recorded before the next, while holding the order's lease:
 *
 *   1. release the reservation (also when `reserved` is unrecorded: a reserve whose reply was lost may hold
 *      stock, and release is idempotent, so asking costs one call)
 *   2. settle a charge in doubt by repeating it with the derived key: payments answers the transaction it made
 *      (or the decline it recorded) without charging twice; the answer is never assumed
 *   3. refund a charge that happened
 *   4. write the final status
 *
 * A cancellation that cannot finish (an upstream down) stays recorded (`cancelRequested`) and the order keeps
 * its status until the recovery worker completes it. A timeout marks the order FAILED once the stock is back;
 * money still to settle then is settled by the worker afterwards (it claims FAILED orders that owe money).
 */
export async function compensateOrder(
  deps: SagaDeps,
  start: { order: OrderWithItems; lease: Lease },
  call: CallContext,
  goal: CompensationGoal,
): Promise<SagaRun> {
  const { db, upstreams, logger, leaseMs } = deps;
  let { order, lease } = start;
  const record = async (data: Parameters<typeof writeHolding>[3], final = false) => {
    const watch = watchTransitions(log, deps.metrics, order.status);
    ({ order, lease } = await writeHolding(db, { order, lease }, leaseMs, data, !final, watch));
  };
  const log = logger.child({ order_id: order.id, compensation: goal });

  try {
    if (goal === 'CANCELLED' && !order.cancelRequested) await record({ cancelRequested: true });

    if (
      goal === 'TIMED_OUT' &&
      order.failureReason === null &&
      order.reserved &&
      order.charged &&
      !order.released
    ) {
      // Every forward step is done; only the confirmation was not written. Refunding would undo a sale
      // the customer already paid for.
      await record({ status: 'CONFIRMED' }, true);
      return { order };
    }

    if (!order.released) {
      await runStep(log, 'release', () =>
        upstreams.inventory.release.mutate({ reservation_id: order.id }, callOptions(call)),
      );
      await record({ released: true });
    }

    const held = { order, lease };
    try {
      await settleMoney(deps, held, call, log);
    } catch (error) {
      if (!(error instanceof StepFailedError) || goal === 'CANCELLED') throw error;
      log.warn('timed out with money still to settle; the recovery worker settles it later');
    } finally {
      ({ order, lease } = held);
    }

    if (goal === 'CANCELLED') {
      log.info('order cancelled');
      await record({ status: 'CANCELLED' }, true);
    } else {
      log.warn('order timed out and was compensated');
      await record({ status: 'FAILED', failureReason: order.failureReason ?? 'TIMED_OUT' }, true);
    }
    return { order };
  } catch (error) {
    return stopHolding(db, { order, lease }, error);
  }
}

interface Holding {
  order: OrderWithItems;
  lease: Lease;
}

/**
 * Settles the order's money while holding its lease: a charge in doubt is repeated with the derived key (the
 * same transaction, or the recorded decline), then a charge that happened is refunded. Each answer is written
 * before the next call; `held` follows every write, so a caller sees the progress even when a later call fails.
 */
async function settleMoney(deps: SagaDeps, held: Holding, call: CallContext, log: Logger): Promise<void> {
  const { db, upstreams, leaseMs } = deps;
  const { order } = held;
  if (order.chargeInDoubt && !order.charged) {
    const charge = await runStep(log, 'charge', () => chargeOnce(upstreams, order, call));
    const data = charge.declined
      ? { chargeInDoubt: false }
      : { charged: true, transactionId: charge.transactionId, chargeInDoubt: false };
    Object.assign(held, await writeHolding(db, held, leaseMs, data));
  }
  const transactionId = held.order.transactionId;
  if (held.order.charged && !held.order.refunded && transactionId !== null) {
    await runStep(log, 'refund', () =>
      upstreams.payments.refund.mutate({ transaction_id: transactionId }, callOptions(call)),
    );
    Object.assign(held, await writeHolding(db, held, leaseMs, { refunded: true }));
  }
}

/** A FAILED order that still owes money (it timed out while payments was unreachable): settle it, keep the status. */
export async function settleFailedOrder(deps: SagaDeps, start: Holding, call: CallContext): Promise<SagaRun> {
  const log = deps.logger.child({ order_id: start.order.id, compensation: 'settle' });
  const held = { ...start };
  try {
    await settleMoney(deps, held, call, log);
    await releaseLease(deps.db, held.lease);
    return { order: held.order };
  } catch (error) {
    await releaseLease(deps.db, held.lease).catch(() => undefined);
    if (error instanceof StepFailedError) return { order: held.order, interrupted: error };
    throw error;
  }
}
