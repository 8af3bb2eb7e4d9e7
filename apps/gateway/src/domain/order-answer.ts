import {
  ERROR_STATUS,
  type ErrorCode,
  isErrorCode,
  type Order,
  orderSchema,
  type ProblemExtras,
} from '@oos/contracts';
import { z } from 'zod';
import { type OrderWithItems, orderView } from './order-view.ts';

/**
 * What a create (or its replay) answers. `body` is the exact JSON text sent the first time: it is what an
 * idempotency key stores, and a replay re-sends an answer that serialises to the same bytes.
 */
export type OrderAnswer =
  | { kind: 'order'; status: number; order: Order; body: string; replay: boolean }
  | {
      kind: 'problem';
      status: number;
      code: ErrorCode;
      extras: ProblemExtras;
      body: string;
      replay: boolean;
      /** Seconds, for `Retry-After`. */
      retryAfter?: number;
    };

export function orderAnswer(order: OrderWithItems, status: number): OrderAnswer {
  const view = orderView(order);
  return { kind: 'order', status, order: view, body: JSON.stringify(view), replay: false };
}

/** Built like the problem+json writer in service-kit builds it, so the stored text equals the sent text. */
export function problemAnswer(code: ErrorCode, extras: ProblemExtras = {}, retryAfter?: number): OrderAnswer {
  const answer: OrderAnswer = {
    kind: 'problem',
    status: ERROR_STATUS[code],
    code,
    extras,
    body: JSON.stringify({ detail: code, ...extras }),
    replay: false,
  };
  return retryAfter === undefined ? answer : { ...answer, retryAfter };
}

/**
 * The final answer an order's state stands for (CONTRACT §3), or undefined while it is PENDING. A request that
 * finished the order answers with it; so does a retry that finds the order finished by someone else.
 */
export function finalAnswerFor(order: OrderWithItems): OrderAnswer | undefined {
  const extras = { order_id: order.id };
  switch (order.status) {
    case 'CONFIRMED':
      return orderAnswer(order, 201);
    case 'CANCELLED':
      return problemAnswer('ORDER_CANCELLED', extras);
    case 'FAILED':
      if (order.failureReason === 'INSUFFICIENT_STOCK') return problemAnswer('INSUFFICIENT_STOCK', extras);
      if (order.failureReason === 'PAYMENT_FAILED') return problemAnswer('PAYMENT_FAILED', extras);
      return problemAnswer('ORDER_TIMED_OUT', extras);
    case 'PENDING':
      return undefined;
  }
}

const storedProblemSchema = z
  .looseObject({ detail: z.string().refine(isErrorCode) })
  .transform(({ detail, ...extras }) => ({ detail, extras }));
const extrasSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
);

/** A stored answer, replayed: 201 becomes 200, everything else keeps its status; the body keeps its bytes. */
export function replayOf(status: number, body: string): OrderAnswer {
  const json: unknown = JSON.parse(body);
  if (status < 400) {
    return {
      kind: 'order',
      status: status === 201 ? 200 : status,
      order: orderSchema.parse(json),
      body,
      replay: true,
    };
  }
  const problem = storedProblemSchema.parse(json);
  const code = problem.detail;
  if (!isErrorCode(code)) throw new Error(`stored answer has an unknown code ${code}`);
  return { kind: 'problem', status, code, extras: extrasSchema.parse(problem.extras), body, replay: true };
}
