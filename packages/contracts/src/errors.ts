/**
 * Machine-readable error codes carried in `{"detail": CODE}` bodies, and the HTTP status each one answers with.
 * One table so that the services, the gateway and their tests cannot disagree about a status.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  MALFORMED_JSON: 400,
  DISALLOWED_HOST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_FAILED: 402,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  RESERVATION_CONFLICT: 409,
  NOT_CANCELLABLE: 409,
  ORDER_BUSY: 409,
  ORDER_CANCELLED: 409,
  DELIVERY_NOT_FAILED: 409,
  WEBHOOK_ENDPOINT_UNKNOWN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INSUFFICIENT_STOCK: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  ORDER_TIMED_OUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as readonly string[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** Why an order ended `FAILED`. */
export const FAILURE_REASONS = ['INSUFFICIENT_STOCK', 'PAYMENT_FAILED', 'TIMED_OUT'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Extra fields a problem body may carry beside `detail` (e.g. `order_id`, `short_skus`). */
export type ProblemExtras = Record<string, string | number | boolean | readonly string[]>;

/** The JSON body of every error answer: RFC 9457 problem details with our code in `detail`. */
export interface ProblemBody extends ProblemExtras {
  detail: string;
}
