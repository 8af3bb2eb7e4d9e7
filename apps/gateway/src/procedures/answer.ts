import type { Order } from '@oos/contracts';
import { domainError } from '@oos/service-kit';
import type { ResponseControl } from '../context.ts';
import type { OrderAnswer } from '../domain/order-answer.ts';

/**
 * Turns an order answer into what the REST adapter sends: the order (returned) or the problem (thrown), with
 * status and headers handed to `responseMeta` through the context.
 */
export function sendAnswer(response: ResponseControl, answer: OrderAnswer): Order {
  response.status = answer.status;
  if (answer.replay) response.headers['Idempotent-Replay'] = 'true';
  if (answer.kind === 'order') return answer.order;
  if (answer.retryAfter !== undefined) response.headers['Retry-After'] = String(answer.retryAfter);
  throw domainError(answer.code, answer.extras);
}
