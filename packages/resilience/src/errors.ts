export type UnavailableReason = 'breaker_open' | 'timeout' | 'network' | 'server_error';

/**
 * An upstream could not give an answer: retries exhausted, deadline passed or breaker open. The gateway maps it
 * to 503 UPSTREAM_UNAVAILABLE. Domain answers (4xx) never become this error.
 */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  readonly upstream: string;
  readonly procedure: string;
  readonly reason: UnavailableReason;
  /**
   * Attempts made; 0 when the breaker failed the call fast. The last one may have been cut short by the retry
   * deadline before its request got out.
   */
  readonly attempts: number;
  override readonly cause: unknown;

  constructor(opts: {
    upstream: string;
    procedure: string;
    reason: UnavailableReason;
    attempts: number;
    cause?: unknown;
  }) {
    super(`upstream ${opts.upstream} unavailable (${opts.reason}) calling ${opts.procedure}`, {
      cause: opts.cause,
    });
    this.upstream = opts.upstream;
    this.procedure = opts.procedure;
    this.reason = opts.reason;
    this.attempts = opts.attempts;
    this.cause = opts.cause;
  }
}

/**
 * Finds the UpstreamUnavailableError in an error or its `cause` chain: through the tRPC link it arrives as the
 * `cause` of a TRPCClientError, because tRPC wraps every link error in one.
 */
export function getUpstreamUnavailable(err: unknown): UpstreamUnavailableError | undefined {
  let current: unknown = err;
  // Bounded so that a cyclic cause chain cannot hang the caller.
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    if (current instanceof UpstreamUnavailableError) return current;
    current = current.cause;
  }
  return undefined;
}

export function isUpstreamUnavailable(err: unknown): boolean {
  return getUpstreamUnavailable(err) !== undefined;
}

/** An attempt outlived HTTP_TIMEOUT_MS (or what was left of the deadline) and was aborted. */
export class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
  }
}
