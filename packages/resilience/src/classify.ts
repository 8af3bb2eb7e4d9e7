import { AttemptTimeoutError } from './errors.ts';

/** How one failed attempt ended, as far as retrying and the breaker care. */
export type FailureKind = 'domain_error' | 'server_error' | 'timeout' | 'network' | 'unexpected_error';

export type RetryableKind = Extract<FailureKind, 'server_error' | 'timeout' | 'network'>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function statusField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

/** The errors an error wraps: its `cause` and, for an AggregateError (happy eyeballs), each of `errors`. */
function* errorChain(err: unknown, depth = 0): Generator<unknown> {
  if (depth > 8) return;
  yield err;
  if (!isRecord(err)) return;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) yield* errorChain(inner, depth + 1);
  }
  if ('cause' in err && err.cause !== undefined) yield* errorChain(err.cause, depth + 1);
}

/**
 * The HTTP status an error carries: tRPC's `data.httpStatus`, the response tRPC keeps in `meta.response`, or a
 * `status`/`statusCode` set by a plain fetch wrapper.
 */
export function httpStatusOf(err: unknown): number | undefined {
  for (const link of errorChain(err)) {
    if (!isRecord(link)) continue;
    const data = link.data;
    const meta = link.meta;
    const status =
      (isRecord(data) ? statusField(data.httpStatus) : undefined) ??
      (isRecord(meta) && isRecord(meta.response) ? statusField(meta.response.status) : undefined) ??
      statusField(link.status) ??
      statusField(link.statusCode);
    if (status !== undefined) return status;
  }
  return undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// undici says "fetch failed" / "other side closed" / "terminated"; node:http says "socket hang up".
const NETWORK_MESSAGES =
  /fetch failed|socket hang up|other side closed|^terminated$|ECONNREFUSED|ECONNRESET/i;

export function isNetworkError(err: unknown): boolean {
  for (const link of errorChain(err)) {
    if (!isRecord(link)) continue;
    if (typeof link.code === 'string' && NETWORK_CODES.has(link.code)) return true;
    if (typeof link.message === 'string' && NETWORK_MESSAGES.test(link.message)) return true;
  }
  return false;
}

/**
 * Classifies a failed attempt. An HTTP status wins: a 4xx is an answer from a healthy upstream (never retried,
 * passed to the caller unchanged), a 5xx is not. Without a status, only recognised transport failures count as
 * network errors; anything else is unexpected and is neither retried nor blamed on the upstream.
 */
export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof AttemptTimeoutError) return 'timeout';
  const status = httpStatusOf(err);
  if (status !== undefined) return status >= 500 ? 'server_error' : 'domain_error';
  if (isNetworkError(err)) return 'network';
  return 'unexpected_error';
}

export function isRetryable(kind: FailureKind): kind is RetryableKind {
  return kind === 'server_error' || kind === 'timeout' || kind === 'network';
}
