import type { PrismaClient } from '@oos/db-gateway';
import { getUpstreamUnavailable } from '@oos/resilience';
import type { Logger } from '@oos/service-kit';
import { z } from 'zod';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { watchTransitions } from '../observability/order-transitions.ts';
import { type CallContext, callOptions, type Upstreams } from '../upstreams.ts';
import { compensateOrder } from './order-compensation.ts';
import { type Held, releaseLease, writeHolding } from './order-lease.ts';
import type { OrderWithItems } from './order-view.ts';

export interface SagaDeps {
  db: PrismaClient;
  upstreams: Pick<Upstreams, 'inventory' | 'payments'>;
  logger: Logger;
  leaseMs: number;
  /** The gateway's metrics; without them (domain tests) transitions are still logged. */
  metrics?: GatewayMetrics;
}

/** How a run ended: the order as stored, and why it is still PENDING if it is. */
export type SagaRun =
  | { order: OrderWithItems; interrupted?: undefined }
  | { order: OrderWithItems; interrupted: StepFailedError };

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
 *   2. charge (key derived from the order id)           decline  → failure recorded, go on to compensate
 *   3. on decline: release the reservation              then     → FAILED / PAYMENT_FAILED
 *   4. otherwise                                                 → CONFIRMED with the transaction id
 *
 * Each finished step is written before the next starts, so a resume (a retry with the same key, or the recovery
 * worker) skips it; to save commits a write also carries what the next step announces (the reserve's write marks
 * the charge in doubt) or finishes the order (the charge's write confirms it). Reserve, charge and release are
 * idempotent upstream as well, so even a step whose answer was lost (crash after the call, before the write) is
 * safely repeated. If an upstream gives no usable answer the
 * order stays PENDING, the lease is returned, and the run reports where it stopped.
 *
 * A charge request is marked in doubt before it is sent and settled when its answer is written: a crash or a
 * lost reply in between leaves the mark, and whoever picks the order up repeats the charge with the same key
 * (payments answers the same transaction) instead of guessing. An order whose cancellation was recorded is
 * never moved forward: it is compensated instead (order-compensation.ts).
 */
export async function resumeOrder(deps: SagaDeps, start: Held, call: CallContext): Promise<SagaRun> {
  const { db, upstreams, logger, leaseMs } = deps;
  let { order, lease } = start;
  const record = async (data: Parameters<typeof writeHolding>[3], final = false) => {
    const watch = watchTransitions(log, deps.metrics, order.status);
    ({ order, lease } = await writeHolding(db, { order, lease }, leaseMs, data, !final, watch));
  };
  const log = logger.child({ order_id: order.id });
  if (order.cancelRequested) return compensateOrder(deps, { order, lease }, call, 'CANCELLED');

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
        await record({ status: 'FAILED', failureReason: 'INSUFFICIENT_STOCK' }, true);
        return { order };
      }
      // The charge goes out next, so it is marked in doubt in the same write: one commit instead of two. A crash
      // right after this write leaves a charge in doubt that was never sent; settling it means sending it under
      // the derived key, which is what the next step does anyway.
      await record({ reserved: true, chargeInDoubt: true });
    }

    if (order.failureReason === null && !order.charged) {
      if (!order.chargeInDoubt) await record({ chargeInDoubt: true });
      const charge = await runStep(log, 'charge', () => chargeOnce(upstreams, order, call));
      if (charge.declined) {
        log.info('payment declined; releasing the reservation');
        await record({ failureReason: 'PAYMENT_FAILED', chargeInDoubt: false });
      } else {
        // The charge's answer and the confirmation in one final write. Until it commits the charge stays in
        // doubt, and whoever resumes repeats it under the same key (payments answers the same transaction).
        log.info('order confirmed', { transaction_id: charge.transactionId });
        const settled = { charged: true, transactionId: charge.transactionId, chargeInDoubt: false };
        await record({ ...settled, status: 'CONFIRMED' }, true);
        return { order };
      }
    }

    if (order.failureReason === 'PAYMENT_FAILED') {
      if (order.reserved && !order.released) {
        await runStep(log, 'release', () =>
          upstreams.inventory.release.mutate({ reservation_id: order.id }, callOptions(call)),
        );
        // Released and failed in one write: a crash before it repeats the (idempotent) release on resume.
        await record({ released: true, status: 'FAILED' }, true);
        return { order };
      }
      await record({ status: 'FAILED' }, true);
      return { order };
    }

    // Only an order whose charge was recorded by itself (before the final write carried both) gets here.
    log.info('order confirmed', { transaction_id: order.transactionId });
    await record({ status: 'CONFIRMED' }, true);
    return { order };
  } catch (error) {
    return stopHolding(db, { order, lease }, error);
  }
}

/**
 * How a runner lets go of an order it could not finish: an upstream that gave no usable answer returns the lease
 * at once (so the next retry resumes without waiting for it to expire) and reports where the run stopped; any
 * other error returns the lease as well, if it can, and is rethrown.
 */
export async function stopHolding(db: PrismaClient, held: Held, error: unknown): Promise<SagaRun> {
  if (error instanceof StepFailedError) {
    await releaseLease(db, held.lease);
    return { order: held.order, interrupted: error };
  }
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
