import { randomUUID } from 'node:crypto';
import type { CreateOrderInput } from '@oos/contracts';
import { countCreated } from '../observability/order-transitions.ts';
import type { CallContext } from '../upstreams.ts';
import { payloadFingerprint } from './fingerprint.ts';
import { type KeyClaim, storeAnswer } from './idempotency.ts';
import { finalAnswerFor, type OrderAnswer, problemAnswer, replayOf } from './order-answer.ts';
import { type Held, type Lease, LeaseLostError, leaseUntil, takeLease } from './order-lease.ts';
import { type RunOptions, resumeOrder, type SagaDeps, type SagaRun } from './order-saga.ts';
import { insertOrder, newOrder } from './order-store.ts';
import { type OrderWithItems, withItems } from './order-view.ts';

export interface CreateOrderDeps extends SagaDeps {
  idempotencyTtlHours: number;
  /** Seconds a client should wait before retrying while a breaker is open. */
  breakerRetryAfterSeconds: number;
}

export interface CreateOrderRequest {
  input: CreateOrderInput;
  /** The request body as parsed JSON, before validation normalised it: what "same payload" compares. */
  rawBody: unknown;
  idempotencyKey: string | undefined;
  requestId: string;
}

/** 503 while PENDING, otherwise the final answer of the order's state. */
function answerOf(run: SagaRun, deps: CreateOrderDeps): OrderAnswer {
  const final = run.finished?.answer ?? finalAnswerFor(run.order);
  if (final) return final;
  const retryAfter = run.interrupted?.breakerOpen ? deps.breakerRetryAfterSeconds : 1;
  return problemAnswer('UPSTREAM_UNAVAILABLE', { order_id: run.order.id }, retryAfter);
}

/**
 * POST /api/orders/. The order is stored PENDING (with the key's claim, in the same statement) before any
 * upstream call and held by this request's lease; then the saga runs, and its final write stores the answer
 * against the key. A key seen before either replays its stored answer, resumes its unfinished order, or
 * reports that another request holds it.
 *
 * A confirmed order costs the gateway database two statements: this insert and the saga's final write.
 */
export async function createOrder(deps: CreateOrderDeps, request: CreateOrderRequest): Promise<OrderAnswer> {
  const { db } = deps;
  const now = new Date();
  const id = randomUUID();
  const lease: Lease = { orderId: id, until: leaseUntil(deps.leaseMs, now) };
  const order = newOrder(id, request.input, request.requestId, lease, now);
  const call = { requestId: request.requestId, clientIdempotencyKey: request.idempotencyKey };

  if (request.idempotencyKey === undefined) {
    await insertOrder(deps.statements, order, lease);
    return runToAnswer(deps, { order, lease }, call, { fresh: true });
  }

  const claim: KeyClaim = {
    scope: 'create',
    key: request.idempotencyKey,
    fingerprint: payloadFingerprint(request.rawBody),
    orderId: id,
    ttlHours: deps.idempotencyTtlHours,
  };
  const claimed = await insertOrder(deps.statements, order, lease, claim);
  if (claimed.claimed) {
    return runToAnswer(deps, { order, lease }, call, { fresh: true, answerKey: claim });
  }

  const { holder } = claimed;
  if (holder.fingerprint !== claim.fingerprint) return problemAnswer('IDEMPOTENCY_CONFLICT');
  if (holder.responseStatus !== null && holder.responseBody !== null) {
    return replayOf(holder.responseStatus, holder.responseBody);
  }
  if (holder.orderId === null) throw new Error(`idempotency key without an order (${holder.key})`);
  const keyed = { ...claim, orderId: holder.orderId };

  const resumed = await takeLease(db, holder.orderId, deps.leaseMs);
  const stored = await db.order.findUniqueOrThrow({ where: { id: holder.orderId }, include: withItems });
  if (!resumed) {
    return finishedMeanwhile(deps, keyed, stored) ?? problemAnswer('IDEMPOTENCY_IN_PROGRESS', {}, 1);
  }
  return runToAnswer(deps, { order: stored, lease: resumed }, call, { answerKey: keyed });
}

/**
 * Runs the saga for this request and answers with where it left the order; a final answer the run's own final write
 * did not store against the key (a resumed order another runner finished) is stored here. A run that outlived its
 * lease (a slow upstream, a stalled machine) was taken over by some replica's recovery worker: this request no
 * longer decides anything and must not fail for it, so it answers the state the order is in now (503 with the
 * order id while the worker still runs it, as when an upstream stopped the run).
 */
async function runToAnswer(
  deps: CreateOrderDeps,
  held: Held,
  call: CallContext,
  options: RunOptions,
): Promise<OrderAnswer> {
  const run = await resumeOrder(deps, held, call, options).catch(async (error: unknown): Promise<SagaRun> => {
    if (!(error instanceof LeaseLostError)) throw error;
    const order = await deps.db.order.findUniqueOrThrow({ where: { id: held.order.id }, include: withItems });
    return { order };
  });
  if (options.fresh) countCreated(deps.metrics, run.order);
  const answer = answerOf(run, deps);
  if (options.answerKey && answer.status !== 503 && !run.finished?.stored) {
    await storeAnswer(deps.db, options.answerKey, answer);
  }
  return answer;
}

/**
 * The order behind an unanswered key reached a final state without this key's request (the recovery worker,
 * or a cancel): that state's answer is stored and replayed from now on, this time included.
 */
function finishedMeanwhile(
  deps: CreateOrderDeps,
  claim: Pick<KeyClaim, 'scope' | 'key' | 'orderId'>,
  order: OrderWithItems,
): Promise<OrderAnswer> | undefined {
  const final = finalAnswerFor(order);
  if (!final) return undefined;
  return storeAnswer(deps.db, claim, final).then(() => replayOf(final.status, final.body));
}
