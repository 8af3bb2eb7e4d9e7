import pRetry from 'p-retry';
import { OrderApiError } from './errors.ts';
import type { OperationId } from './types.ts';

export interface RetryPolicy {
  /** Repeats after the first attempt (0: never repeat). */
  retries: number;
  /** The first backoff; each next one doubles, with jitter. */
  minDelayMs: number;
  /** No single wait (backoff or Retry-After) is longer. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, minDelayMs: 200, maxDelayMs: 10_000 };

export interface RetryEvent {
  operation: OperationId;
  /** The attempt that failed (1 for the first request). */
  attempt: number;
  error: unknown;
  /** How long the answer's Retry-After asked to wait (capped by maxDelayMs); the backoff comes on top. */
  retryAfterMs: number;
  /** The key every attempt of a create carries. */
  idempotencyKey: string | undefined;
}

/** The answers worth repeating: nothing was decided yet, and the same request (same key) is safe to send again. */
const REPEATABLE_CONFLICTS = new Set(['IDEMPOTENCY_IN_PROGRESS', 'ORDER_BUSY']);

function isRepeatable(error: unknown): boolean {
  if (error instanceof OrderApiError) {
    return (
      error.status === 503 ||
      error.status === 429 ||
      (error.status === 409 && REPEATABLE_CONFLICTS.has(error.detail))
    );
  }
  // fetch rejects with a TypeError when no answer came (refused, reset, DNS); p-retry lets only those through.
  return error instanceof TypeError;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryContext {
  operation: OperationId;
  policy: RetryPolicy;
  signal: AbortSignal | undefined;
  idempotencyKey?: string | undefined;
  onRetry: ((event: RetryEvent) => void | Promise<void>) | undefined;
}

/** Runs `attempt` until it succeeds, fails for good, or the policy's repeats are spent. */
export function withRetries<T>(context: RetryContext, attempt: () => Promise<T>): Promise<T> {
  const { operation, policy, signal, idempotencyKey, onRetry } = context;
  return pRetry(attempt, {
    retries: policy.retries,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    randomize: true,
    signal,
    // Called only when a repeat will follow: the place to honour Retry-After before p-retry's own backoff.
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!isRepeatable(error)) return false;
      const retryAfterSeconds = error instanceof OrderApiError ? (error.retryAfterSeconds ?? 0) : 0;
      const retryAfterMs = Math.min(retryAfterSeconds * 1000, policy.maxDelayMs);
      await onRetry?.({ operation, attempt: attemptNumber, error, retryAfterMs, idempotencyKey });
      if (retryAfterMs > 0) await sleep(retryAfterMs, signal);
      return true;
    },
  });
}
