import { randomUUID } from 'node:crypto';
import type { CreateOrderInput } from '@oos/contracts';
import { countCreated } from '../observability/order-transitions.ts';
import { payloadFingerprint } from './fingerprint.ts';
import { type KeyClaim, storeAnswer } from './idempotency.ts';
import { finalAnswerFor, type OrderAnswer, problemAnswer, replayOf } from './order-answer.ts';
import { type Lease, LeaseLostError, leaseUntil, takeLease } from './order-lease.ts';
import { resumeOrder, type SagaDeps, type SagaRun } from './order-saga.ts';
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
    await insertOrder(db, order, lease);
    const run = await resumeOrder(deps, { order, lease }, call, { fresh: true }).catch(takenOver);
    if (isTakenOver(run)) return answerNow(deps, id, undefined, true);
    countCreated(deps.metrics, run.order);
    return answerOf(run, deps);
  }

  const claim: KeyClaim = {
    scope: 'create',
    key: request.idempotencyKey,
    fingerprint: payloadFingerprint(request.rawBody),
    orderId: id,
    ttlHours: deps.idempotencyTtlHours,
  };
  const claimed = await insertOrder(db, order, lease, claim);
  if (claimed.claimed) {
    const run = await resumeOrder(deps, { order, lease }, call, { fresh: true, answerKey: claim }).catch(
      takenOver,
    );
    if (isTakenOver(run)) return answerNow(deps, id, claim, true);
    countCreated(deps.metrics, run.order);
    return answerOf(run, deps);
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
  const run = await resumeOrder(deps, { order: stored, lease: resumed }, call, { answerKey: keyed }).catch(
    takenOver,
  );
  if (isTakenOver(run)) return answerNow(deps, holder.orderId, keyed, false);
  const answer = answerOf(run, deps);
  if (answer.status !== 503 && !run.finished?.stored) await storeAnswer(db, keyed, answer);
  return answer;
}

/** What a run that lost its lease becomes: the order was taken over and is answered by the state it is in. */
interface TakenOver {
  takenOver: true;
}
const isTakenOver = (run: SagaRun | TakenOver): run is TakenOver => 'takenOver' in run;

/**
 * The run outlived its lease (a slow upstream, a stalled machine) and the recovery worker of some replica took the
 * order over: this request no longer decides anything, and must not fail for it.
 */
function takenOver(error: unknown): TakenOver {
  if (error instanceof LeaseLostError) return { takenOver: true };
  throw error;
}

/**
 * The answer of an order another runner holds or finished: its final answer if it has one (stored against the key,
 * as this request's own final write would have), otherwise 503 with the order id, as when an upstream stopped the
 * run: the order stays PENDING, is finished by the recovery worker, and a retry with the key resumes it.
 */
async function answerNow(
  deps: CreateOrderDeps,
  orderId: string,
  claim: Pick<KeyClaim, 'scope' | 'key' | 'orderId'> | undefined,
  created: boolean,
): Promise<OrderAnswer> {
  const order = await deps.db.order.findUniqueOrThrow({ where: { id: orderId }, include: withItems });
  if (created) countCreated(deps.metrics, order);
  const final = finalAnswerFor(order);
  if (!final) return problemAnswer('UPSTREAM_UNAVAILABLE', { order_id: orderId }, 1);
  if (claim) await storeAnswer(deps.db, claim, final);
  return final;
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
