import { randomUUID } from 'node:crypto';
import type { CreateOrderInput } from '@oos/contracts';
import type { Prisma } from '@oos/db-gateway';
import { countCreated } from '../observability/order-transitions.ts';
import { payloadFingerprint } from './fingerprint.ts';
import { claimKey, storeAnswer } from './idempotency.ts';
import { finalAnswerFor, type OrderAnswer, problemAnswer, replayOf } from './order-answer.ts';
import { type Lease, leaseUntil, takeLease } from './order-lease.ts';
import { resumeOrder, type SagaDeps, type SagaRun } from './order-saga.ts';
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

/**
 * Inserts a new PENDING order held by `lease`: the order row, then its items in one statement. The order is
 * built from what was written instead of read back (a nested create with `include` costs two more queries).
 */
async function insertOrder(
  tx: Prisma.TransactionClient,
  id: string,
  input: CreateOrderInput,
  requestId: string,
  lease: Lease,
): Promise<OrderWithItems> {
  const items = input.items.map((item, position) => ({
    orderId: id,
    position,
    sku: item.sku,
    quantity: item.quantity,
  }));
  const order = await tx.order.create({
    data: {
      id,
      amountCents: input.amount_cents,
      currency: input.currency,
      requestId,
      lockedUntil: lease.until,
      attempts: 1,
      lastAttemptAt: new Date(),
    },
  });
  await tx.orderItem.createMany({ data: items });
  return { ...order, items };
}

/** 503 while PENDING, otherwise the final answer of the order's state. */
function answerOf(run: SagaRun, deps: CreateOrderDeps): OrderAnswer {
  const final = finalAnswerFor(run.order);
  if (final) return final;
  const retryAfter = run.interrupted?.breakerOpen ? deps.breakerRetryAfterSeconds : 1;
  return problemAnswer('UPSTREAM_UNAVAILABLE', { order_id: run.order.id }, retryAfter);
}

/**
 * POST /api/orders/. The order is stored PENDING (with the key's claim, in the same transaction) before any
 * upstream call and held by this request's lease; then the saga runs. A key seen before either replays its
 * stored answer, resumes its unfinished order, or reports that another request holds it.
 */
export async function createOrder(deps: CreateOrderDeps, request: CreateOrderRequest): Promise<OrderAnswer> {
  const { db } = deps;
  const id = randomUUID();
  const lease: Lease = { orderId: id, until: leaseUntil(deps.leaseMs) };
  const call = { requestId: request.requestId, clientIdempotencyKey: request.idempotencyKey };

  if (request.idempotencyKey === undefined) {
    const order = await db.$transaction((tx) => insertOrder(tx, id, request.input, request.requestId, lease));
    const run = await resumeOrder(deps, { order, lease }, call);
    countCreated(deps.metrics, run.order);
    return answerOf(run, deps);
  }

  const claim = {
    scope: 'create' as const,
    key: request.idempotencyKey,
    fingerprint: payloadFingerprint(request.rawBody),
    orderId: id,
    ttlHours: deps.idempotencyTtlHours,
  };
  const claimed = await db.$transaction(async (tx) => {
    const existing = await claimKey(tx, claim);
    if (existing) return { existing };
    return { order: await insertOrder(tx, id, request.input, request.requestId, lease) };
  });

  if (claimed.order) {
    const run = await resumeOrder(deps, { order: claimed.order, lease }, call);
    countCreated(deps.metrics, run.order);
    const answer = answerOf(run, deps);
    if (answer.status !== 503) await storeAnswer(db, claim, answer);
    return answer;
  }

  const { existing } = claimed;
  if (existing.fingerprint !== claim.fingerprint) return problemAnswer('IDEMPOTENCY_CONFLICT');
  if (existing.responseStatus !== null && existing.responseBody !== null) {
    return replayOf(existing.responseStatus, existing.responseBody);
  }
  if (existing.orderId === null) throw new Error(`idempotency key without an order (${existing.key})`);
  const keyed = { ...claim, orderId: existing.orderId };

  const resumed = await takeLease(db, existing.orderId, deps.leaseMs);
  if (!resumed) {
    const order = await db.order.findUniqueOrThrow({ where: { id: existing.orderId }, include: withItems });
    return finishedMeanwhile(deps, keyed, order) ?? problemAnswer('IDEMPOTENCY_IN_PROGRESS', {}, 1);
  }
  const order = await db.order.findUniqueOrThrow({ where: { id: existing.orderId }, include: withItems });
  const answer = answerOf(await resumeOrder(deps, { order, lease: resumed }, call), deps);
  if (answer.status !== 503) await storeAnswer(db, keyed, answer);
  return answer;
}

/**
 * The order behind an unanswered key reached a final state without this key's request (the recovery worker,
 * or a cancel): that state's answer is stored and replayed from now on, this time included.
 */
function finishedMeanwhile(
  deps: CreateOrderDeps,
  claim: { scope: 'create'; key: string; orderId: string },
  order: OrderWithItems,
): Promise<OrderAnswer> | undefined {
  const final = finalAnswerFor(order);
  if (!final) return undefined;
  return storeAnswer(deps.db, claim, final).then(() => replayOf(final.status, final.body));
}
