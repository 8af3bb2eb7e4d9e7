import type { ErrorDetail, OperationId } from './types.ts';

interface OrderApiErrorInit<Op extends OperationId> {
  operation: Op;
  status: number;
  detail: ErrorDetail<Op>;
  orderId: string | undefined;
  retryAfterSeconds: number | undefined;
  requestId: string | undefined;
}

/** The gateway answered with an error: its status and the `detail` code of its problem+json body. */
export class OrderApiError<Op extends OperationId = OperationId> extends Error {
  override readonly name = 'OrderApiError';
  readonly operation: Op;
  readonly status: number;
  readonly detail: ErrorDetail<Op>;
  /** The order the failure concerns, when one was recorded (402, 422, 503 and 504 of a create). */
  readonly orderId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** Quote it when reporting a problem: every log line of the request carries it. */
  readonly requestId: string | undefined;

  constructor(init: OrderApiErrorInit<Op>) {
    super(`${init.operation}: HTTP ${init.status} ${init.detail}`);
    this.operation = init.operation;
    this.status = init.status;
    this.detail = init.detail;
    this.orderId = init.orderId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.requestId = init.requestId;
  }
}

function isProblem(body: unknown): body is { detail: string; order_id?: unknown } {
  return typeof body === 'object' && body !== null && 'detail' in body && typeof body.detail === 'string';
}

/** Retry-After in seconds, from either of its forms (delta-seconds or an HTTP date). */
function retryAfterSecondsOf(headers: Headers): number | undefined {
  const value = headers.get('Retry-After');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The error for a non-2xx answer; a body that is not problem+json (a proxy's page, say) yields `HTTP_<status>`. */
export function errorFromAnswer<Op extends OperationId>(
  operation: Op,
  response: Response,
  body: unknown,
): OrderApiError<Op> {
  const problem = isProblem(body) ? body : undefined;
  return new OrderApiError({
    operation,
    status: response.status,
    detail: problem?.detail ?? `HTTP_${response.status}`,
    orderId: typeof problem?.order_id === 'string' ? problem.order_id : undefined,
    retryAfterSeconds: retryAfterSecondsOf(response.headers),
    requestId: response.headers.get('X-Request-ID') ?? undefined,
  });
}
