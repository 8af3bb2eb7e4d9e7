import type { PrismaClient, Statements } from '@oos/db-gateway';
import { getUpstreamUnavailable } from '@oos/resilience';
import type { Logger } from '@oos/service-kit';
import { z } from 'zod';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { transitionReason, watchTransitions } from '../observability/order-transitions.ts';
import { type CallContext, callOptions, type Upstreams } from '../upstreams.ts';
import { finalAnswerFor, type OrderAnswer } from './order-answer.ts';
import { compensateOrder } from './order-compensation.ts';
import { type Held, LeaseLostError, releaseLease, writeHolding } from './order-lease.ts';
import { type FinalState, finishOrder, type StoredAnswer } from './order-store.ts';
import type { OrderWithItems } from './order-view.ts';

export interface SagaDeps {
  db: PrismaClient;
  /** The hot path's writes (create_order, finish_order) go here, not through the client. */
  statements: Statements;
  upstreams: Pick<Upstreams, 'inventory' | 'payments'>;
  logger: Logger;
  leaseMs: number;
  /** The gateway's metrics; without them (domain tests) transitions are still logged. */
  metrics?: GatewayMetrics;
}

/** How a run ended: the order as stored, and why it is still PENDING if it is. */
export type SagaRun =
  | {
      order: OrderWithItems;
      interrupted?: undefined;
      /** The final answer, when the run ended with its final write, and whether that write stored it. */
      finished?: { answer: OrderAnswer; stored: boolean };
    }
  | { order: OrderWithItems; interrupted: StepFailedError; finished?: undefined };

/** How a run starts besides the order it holds. */
export interface RunOptions {
  /**
   * The order was inserted by this request a moment ago (order-store.ts): its row already says a charge may be
   * in doubt, while in fact nothing has been sent yet.
   */
  fresh?: boolean;
  /** The request's idempotency key: the final answer is stored against it by the final write itself. */
  answerKey?: StoredAnswer['claim'];
}

/** An upstream gave no usable answer (down, timed out, breaker open, or an unexpected reply): retry later. */
export class StepFailedError extends Error {
  override name = 'StepFailedError';
  constructor(
    readonly step: 'reserve' | 'charge' | 'release' | 'refund',
    override readonly cause: unknown,
  ) {
    super(`saga step ${step} failed`, { cause });
  }
  get breakerOpen(): boolean {
    return getUpstreamUnavailable(this.cause)?.reason === 'breaker_open';
  }
}

export type SagaStep = StepFailedError['step'];

/** The charge key the gateway derives from the order (CONTRACT §4): every resume of one order charges once. */
export const chargeKeyOf = (orderId: string) => `order:${orderId}:charge`;

const domainAnswerSchema = z.object({ data: z.object({ detail: z.string() }) });

/** The code of a domain answer (a 4xx with our `detail`) from an internal service, if that is what failed. */
export function domainDetail(error: unknown): string | undefined {
  const parsed = domainAnswerSchema.safeParse(error);
  return parsed.success ? parsed.data.data.detail : undefined;
}

/**
 * Runs the order saga from whatever step the order has recorded, while holding its lease:
 *
 *   1. reserve the stock (reservation id = order id)   shortage → FAILED / INSUFFICIENT_STOCK, nothing held
 *   2. charge (key derived from the order id)           decline  → go on to release
 *   3. on decline: release the reservation              then     → FAILED / PAYMENT_FAILED
 *   4. otherwise                                                 → CONFIRMED with the transaction id
 *
 * A run that goes through writes once, at the end: the final state, the lease given back and the request's
 * answer in one statement (order-store.ts). What happened on the way is recorded only if the run stops early:
 * an upstream that gives no usable answer ends the run with one write of its progress and the lease (the order
 * stays PENDING for a retry or the recovery worker). Every step is idempotent upstream (reserve and release by
 * the order id, the charge by its derived key), so whoever resumes an order repeats whatever was not recorded
 * and gets the first answers again: a crash at any point loses nothing.
 *
 * Money is never guessed: the row says the charge may be in doubt from the moment the order is stored (a runner
 * may send it at any time), and only a write that knows better (the final one, or a clean stop before any
 * charge was sent) says otherwise. Whoever compensates an order whose charge is in doubt repeats the charge
 * under the derived key (payments answers the transaction it made, or the decline it recorded) and refunds it.
 * An order whose cancellation was recorded is never moved forward: it is compensated (order-compensation.ts).
 */
export async function resumeOrder(
  deps: SagaDeps,
  start: Held,
  call: CallContext,
  options: RunOptions = {},
): Promise<SagaRun> {
  const { db, upstreams, logger, leaseMs } = deps;
  let { order, lease } = start;
  // What the row says about the charge; it must say "in doubt" before a charge is sent.
  let rowChargeInDoubt = options.fresh === true || order.chargeInDoubt;
  const log = logger.child({ order_id: order.id });
  if (order.cancelRequested) return compensateOrder(deps, { order, lease }, call, 'CANCELLED');

  const finish = async (next: Partial<FinalState>): Promise<SagaRun> => {
    const updatedAt = new Date();
    const final: OrderWithItems = { ...order, ...next, lockedUntil: null, updatedAt };
    const answer = finalAnswerFor(final);
    if (answer === undefined) throw new Error(`order ${order.id} would be left PENDING by a final write`);
    const stored = options.answerKey && {
      claim: options.answerKey,
      status: answer.status,
      body: answer.body,
    };
    if (!(await finishOrder(deps.statements, lease, final, updatedAt, stored)))
      throw new LeaseLostError(order.id);
    watchTransitions(log, deps.metrics, order.status).report({
      orderId: order.id,
      from: order.status,
      to: final.status,
      reason: transitionReason(final),
    });
    order = final;
    return { order, finished: { answer, stored: stored !== undefined } };
  };

  try {
    if (order.failureReason === null && !order.reserved) {
      const items = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
      const reserved = await runStep(log, 'reserve', async () => {
        try {
          await upstreams.inventory.reserve.mutate({ reservation_id: order.id, items }, callOptions(call));
          return true;
        } catch (error) {
          if (domainDetail(error) === 'INSUFFICIENT_STOCK') return false;
          throw error;
        }
      });
      if (!reserved) {
        log.info('order failed: insufficient stock');
        // No charge can have been sent: a charge only ever follows a reserve that succeeded.
        return await finish({ status: 'FAILED', failureReason: 'INSUFFICIENT_STOCK', chargeInDoubt: false });
      }
      order = { ...order, reserved: true };
    }

    if (order.failureReason === null && !order.charged) {
      if (!rowChargeInDoubt) {
        ({ order, lease } = await writeHolding(db, { order, lease }, leaseMs, {
          reserved: order.reserved,
          chargeInDoubt: true,
        }));
        rowChargeInDoubt = true;
      }
      order = { ...order, chargeInDoubt: true };
      const charge = await runStep(log, 'charge', () => chargeOnce(upstreams, order, call));
      if (!charge.declined) {
        log.info('order confirmed', { transaction_id: charge.transactionId });
        return await finish({
          status: 'CONFIRMED',
          charged: true,
          transactionId: charge.transactionId,
          chargeInDoubt: false,
        });
      }
      log.info('payment declined; releasing the reservation');
      order = { ...order, failureReason: 'PAYMENT_FAILED', chargeInDoubt: false };
    }

    if (order.failureReason === 'PAYMENT_FAILED') {
      if (order.reserved && !order.released) {
        await runStep(log, 'release', () =>
          upstreams.inventory.release.mutate({ reservation_id: order.id }, callOptions(call)),
        );
        return await finish({ status: 'FAILED', released: true });
      }
      return await finish({ status: 'FAILED' });
    }

    // Only an order whose charge was recorded by itself (an older run's write) gets here.
    log.info('order confirmed', { transaction_id: order.transactionId });
    return await finish({ status: 'CONFIRMED' });
  } catch (error) {
    return stopHolding(db, { order, lease }, error);
  }
}

/**
 * How a runner lets go of an order it could not finish: an upstream that gave no usable answer returns the lease
 * at once (so the next retry resumes without waiting for it to expire), with the run's progress, and reports where
 * the run stopped; any other error returns the lease as well, if it can, and is rethrown.
 */
export async function stopHolding(db: PrismaClient, held: Held, error: unknown): Promise<SagaRun> {
  const { order } = held;
  if (error instanceof StepFailedError) {
    // What the run knows for certain goes with the lease: the reserve that succeeded, whether a charge was sent.
    const progress = {
      reserved: order.reserved,
      chargeInDoubt: order.chargeInDoubt,
      failureReason: order.failureReason,
    };
    await releaseLease(db, held.lease, progress);
    return { order: { ...order, lockedUntil: null }, interrupted: error };
  }
  // Anything else (the database, a lost lease): the row is left as it is, which never understates what happened.
  await releaseLease(db, held.lease).catch(() => undefined);
  throw error;
}

/** Charges the order under its derived key: the same transaction however often it is repeated. */
export async function chargeOnce(
  upstreams: SagaDeps['upstreams'],
  order: OrderWithItems,
  call: CallContext,
): Promise<{ declined: true } | { declined: false; transactionId: string }> {
  try {
    const input = { order_id: order.id, amount_cents: order.amountCents, currency: order.currency };
    const result = await upstreams.payments.charge.mutate(
      input,
      callOptions({ ...call, idempotencyKey: chargeKeyOf(order.id) }),
    );
    return { declined: false, transactionId: result.transaction_id };
  } catch (error) {
    if (domainDetail(error) === 'PAYMENT_FAILED') return { declined: true };
    throw error;
  }
}

/** One upstream call of a saga; anything but a domain answer becomes a StepFailedError (retry later). */
export async function runStep<T>(log: Logger, name: SagaStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const unavailable = getUpstreamUnavailable(error);
    if (unavailable) {
      log.warn('upstream unavailable; the order waits for a retry', {
        step: name,
        reason: unavailable.reason,
      });
    } else {
      log.error('unexpected upstream answer; the order waits for a retry', {
        step: name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    throw new StepFailedError(name, error);
  }
}
