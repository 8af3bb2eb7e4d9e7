import { uuidFromPath } from '@oos/contracts';
import type { CreateOrderDeps } from './create-order.ts';
import { payloadFingerprint } from './fingerprint.ts';
import { storeAnswer } from './idempotency.ts';
import { type OrderAnswer, orderAnswer, problemAnswer, replayOf } from './order-answer.ts';
import { compensateOrder } from './order-compensation.ts';
import { LeaseLostError, takeLease } from './order-lease.ts';
import { claimKey } from './order-store.ts';
import { type OrderWithItems, withItems } from './order-view.ts';

export interface CancelOrderRequest {
  /** As given in the path: anything that is not a UUID names no order. */
  orderId: string;
  idempotencyKey: string | undefined;
  requestId: string;
}

/** The answer for an order that no cancel can change any more, or undefined if it can still be cancelled. */
function settledAnswer(order: OrderWithItems): OrderAnswer | undefined {
  if (order.status === 'CANCELLED') return orderAnswer(order, 200);
  if (order.status === 'FAILED') return problemAnswer('NOT_CANCELLABLE');
  return undefined;
}

/** Only an answer that cannot change any more is stored against a key (not 503, not "busy"). */
function isFinal(answer: OrderAnswer): boolean {
  return answer.status === 200 || (answer.kind === 'problem' && answer.code === 'NOT_CANCELLABLE');
}

/**
 * POST /api/orders/{id}/cancel/. Takes the order's lease (so it never runs beside the saga or the recovery
 * worker), records the cancellation, then compensates: release, settle a charge in doubt, refund, CANCELLED.
 * If an upstream is down the recorded cancellation stays for the recovery worker, and the caller gets 503.
 */
export async function cancelOrder(deps: CreateOrderDeps, request: CancelOrderRequest): Promise<OrderAnswer> {
  const orderId = uuidFromPath(request.orderId);
  if (orderId === undefined) return problemAnswer('NOT_FOUND');
  const exists = await deps.db.order.findUnique({ where: { id: orderId }, select: { id: true } });
  if (!exists) return problemAnswer('NOT_FOUND');

  if (request.idempotencyKey === undefined) return cancelHeld(deps, orderId, request);

  // The path is the whole payload of a bodiless POST: a key reused for another order is a conflict.
  const claim = {
    scope: 'cancel' as const,
    key: request.idempotencyKey,
    fingerprint: payloadFingerprint({ order_id: orderId }),
    orderId,
    ttlHours: deps.idempotencyTtlHours,
  };
  const claimed = await claimKey(deps.statements, claim);
  const existing = claimed.claimed ? undefined : claimed.holder;
  if (existing) {
    if (existing.fingerprint !== claim.fingerprint) return problemAnswer('IDEMPOTENCY_CONFLICT');
    if (existing.responseStatus !== null && existing.responseBody !== null) {
      return replayOf(existing.responseStatus, existing.responseBody);
    }
  }
  let answer = await cancelHeld(deps, orderId, request);
  // Same rule as create: a key whose first request has no final answer yet, with the order held → in progress.
  if (existing && answer.kind === 'problem' && answer.code === 'ORDER_BUSY') {
    answer = problemAnswer('IDEMPOTENCY_IN_PROGRESS', {}, 1);
  }
  if (isFinal(answer)) await storeAnswer(deps.db, claim, answer);
  return answer;
}

async function cancelHeld(deps: CreateOrderDeps, orderId: string, request: CancelOrderRequest) {
  const { db } = deps;
  const read = () => db.order.findUniqueOrThrow({ where: { id: orderId }, include: withItems });
  const before = settledAnswer(await read());
  if (before) return before;

  const lease = await takeLease(db, orderId, deps.leaseMs, ['PENDING', 'CONFIRMED']);
  if (!lease) {
    // Either someone holds it, or it just became final (then that state answers).
    return settledAnswer(await read()) ?? problemAnswer('ORDER_BUSY', {}, 1);
  }
  const order = await read();
  const run = await compensateOrder(
    deps,
    { order, lease },
    { requestId: request.requestId, clientIdempotencyKey: request.idempotencyKey },
    'CANCELLED',
  ).catch((error: unknown) => {
    // The run outlived its lease and the recovery worker took the recorded cancellation over: its state answers.
    if (error instanceof LeaseLostError) return undefined;
    throw error;
  });
  if (run === undefined) return settledAnswer(await read()) ?? problemAnswer('ORDER_BUSY', {}, 1);
  const done = settledAnswer(run.order);
  if (done) return done;
  const retryAfter = run.interrupted?.breakerOpen ? deps.breakerRetryAfterSeconds : 1;
  return problemAnswer('UPSTREAM_UNAVAILABLE', { order_id: orderId }, retryAfter);
}
