import type { TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import CircuitBreaker from 'opossum';
import pRetry, { AbortError } from 'p-retry';
import { classifyFailure, type FailureKind, isRetryable, type RetryableKind } from './classify.ts';
import { type ResilienceConfig, resolveResilienceConfig } from './config.ts';
import { AttemptTimeoutError, type UnavailableReason, UpstreamUnavailableError } from './errors.ts';
import { type CallerContext, resilienceLink } from './link.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';
export type AttemptOutcome = 'success' | 'cancelled' | FailureKind;
export type CallOutcome = 'success' | 'domain_error' | 'unexpected_error' | 'cancelled' | UnavailableReason;

/**
 * Observability of an upstream. Call events carry the caller's `context` (through the link: the tRPC operation's
 * context), so a hook can log under the caller's request id without any ambient state.
 */
export interface UpstreamHooks {
  onStateChange?(event: { upstream: string; from: BreakerState; to: BreakerState }): void;
  onAttempt?(event: {
    upstream: string;
    procedure: string;
    attempt: number;
    outcome: AttemptOutcome;
    durationMs: number;
    context: CallerContext;
  }): void;
  onRetry?(event: {
    upstream: string;
    procedure: string;
    attempt: number;
    error: unknown;
    context: CallerContext;
  }): void;
  onOutcome?(event: {
    upstream: string;
    procedure: string;
    outcome: CallOutcome;
    durationMs: number;
    attempts: number;
    context: CallerContext;
  }): void;
}

export interface CreateUpstreamOptions {
  name: string;
  /** Defaults from CONTRACT §2 for whatever is not given; `readResilienceConfig(process.env)` in apps. */
  config?: Partial<ResilienceConfig>;
  hooks?: UpstreamHooks;
}

export interface CallOptions {
  /** Names the call in errors and hooks. */
  procedure?: string;
  /** Handed to the hooks with every event of this call. */
  context?: CallerContext;
  /** The caller giving up: stops the attempt and further retries, and is not held against the upstream. */
  signal?: AbortSignal;
}

export interface Upstream {
  readonly name: string;
  readonly config: ResilienceConfig;
  /**
   * Runs `fn` under the retry policy and the breaker. `fn` must pass `signal` to its request: it is aborted after
   * HTTP_TIMEOUT_MS. A thrown error with `status`/`statusCode` >= 500, a network error or a timeout is retried;
   * anything else reaches the caller unchanged.
   */
  call<T>(fn: (signal: AbortSignal) => Promise<T>, options?: CallOptions): Promise<T>;
  /** A tRPC link applying the same policy to every query and mutation; put it before the terminating link. */
  link<TRouter extends AnyRouter>(): TRPCLink<TRouter>;
  state(): BreakerState;
  /** Stops the breaker's timers; later calls fail as `breaker_open`. */
  shutdown(): void;
}

/** Carries a retryable failure through p-retry, keeping what went wrong for the final error. */
class RetryableFailure extends Error {
  constructor(
    readonly kind: RetryableKind,
    override readonly cause: unknown,
  ) {
    super(`retryable ${kind}`);
  }
}

const NO_CONTEXT: CallerContext = Object.freeze({});

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}

/**
 * One attempt with its own AbortController, aborted after `timeoutMs` or when the caller aborts. The promise
 * settles at that moment even if `fn` ignores its signal, so a stuck request can never hold up the retry loop.
 */
function runAttempt<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    const onCallerAbort = () => {
      controller.abort(callerSignal?.reason);
      reject(callerSignal?.reason);
    };
    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    };
    if (callerSignal?.aborted) {
      cleanup();
      onCallerAbort();
      return;
    }
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    (async () => fn(controller.signal))().then(resolve, reject).finally(cleanup);
  });
}

function breakerStateOf(breaker: CircuitBreaker): BreakerState {
  if (breaker.opened) return 'open';
  if (breaker.halfOpen) return 'half_open';
  return 'closed';
}

export function createUpstream(options: CreateUpstreamOptions): Upstream {
  const { name } = options;
  const hooks = options.hooks ?? {};
  const config = resolveResilienceConfig(options.config);

  // A hook is observability (logs, metrics): its failure must never change the outcome of a call.
  const notify = <E>(hook: ((event: E) => void) | undefined, event: E) => {
    if (!hook) return;
    try {
      hook(event);
    } catch (error) {
      process.emitWarning(asError(error), { code: 'OOS_RESILIENCE_HOOK_FAILED' });
    }
  };

  // The breaker wraps the whole retry loop, so it counts a logical call once whatever its attempts. Its action
  // takes the work as an argument; results come back through a closure, which keeps the breaker untyped in T.
  const breaker = new CircuitBreaker<[() => Promise<void>], void>((work) => work(), {
    name,
    timeout: false, // timeouts are per attempt, enforced by runAttempt
    volumeThreshold: config.breakerVolumeThreshold,
    // opossum opens when the error rate is strictly above the threshold; the contract says "at or above".
    errorThresholdPercentage: config.breakerErrorThresholdPercent - 1e-9,
    rollingCountTimeout: config.breakerRollingWindowMs,
    rollingCountBuckets: 10,
    resetTimeout: config.breakerResetMs,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    // Only availability failures count against the upstream. Domain answers (4xx) prove it is up, and a caller
    // giving up or a local bug says nothing about it; for opossum a filtered error is a success.
    errorFilter: (error: unknown) => !(error instanceof UpstreamUnavailableError),
  });

  let currentState: BreakerState = 'closed';
  const onTransition = () => {
    const to = breakerStateOf(breaker);
    if (to === currentState) return;
    const from = currentState;
    currentState = to;
    notify(hooks.onStateChange, { upstream: name, from, to });
  };
  breaker.on('open', onTransition);
  breaker.on('halfOpen', onTransition);
  breaker.on('close', onTransition);

  async function withRetries<T>(
    procedure: string,
    fn: (signal: AbortSignal) => Promise<T>,
    callerSignal: AbortSignal | undefined,
    progress: { attempts: number },
    context: CallerContext,
  ): Promise<T> {
    const deadlineAt = performance.now() + config.retryDeadlineMs;
    let lastFailure: RetryableFailure | undefined;
    try {
      return await pRetry(
        async (attempt) => {
          const remainingMs = Math.floor(deadlineAt - performance.now());
          // p-retry may wake from its last backoff exactly at the deadline: give up with the failure that got us
          // here instead of sending a request with no time left.
          if (remainingMs <= 0)
            throw lastFailure ?? new RetryableFailure('timeout', new AttemptTimeoutError(0));
          progress.attempts = attempt;
          const startedAt = performance.now();
          const report = (outcome: AttemptOutcome) =>
            notify(hooks.onAttempt, {
              upstream: name,
              procedure,
              attempt,
              outcome,
              durationMs: performance.now() - startedAt,
              context,
            });
          const cutByDeadline = remainingMs < config.timeoutMs;
          try {
            const value = await runAttempt(fn, Math.min(config.timeoutMs, remainingMs), callerSignal);
            report('success');
            return value;
          } catch (error) {
            if (callerSignal?.aborted) {
              report('cancelled');
              throw new AbortError(asError(error));
            }
            const kind = classifyFailure(error);
            report(kind);
            // An attempt cut short by the deadline (not by HTTP_TIMEOUT_MS) says nothing new about the upstream:
            // the call ends with the failure that made it retry.
            if (kind === 'timeout' && cutByDeadline && lastFailure !== undefined)
              throw new AbortError(lastFailure);
            if (isRetryable(kind)) {
              lastFailure = new RetryableFailure(kind, error);
              throw lastFailure;
            }
            // A domain answer or an unexpected error: stop here and hand the original error to the caller.
            throw new AbortError(asError(error));
          }
        },
        {
          // Mutations are retried too. That is safe only because every internal mutation is idempotent:
          // inventory.reserve/release are keyed by reservation_id and payments.charge by its Idempotency-Key,
          // so a retry of a request that did reach the upstream returns the first answer and never acts twice.
          retries: config.retryMax - 1,
          factor: 2,
          minTimeout: config.retryBackoffMs,
          maxTimeout: config.retryMaxBackoffMs,
          // Jitter multiplies each wait by [1, 2) before the cap, so callers that failed together spread out.
          randomize: true,
          maxRetryTime: config.retryDeadlineMs,
          signal: callerSignal,
          shouldRetry: ({ error, attemptNumber }) => {
            notify(hooks.onRetry, {
              upstream: name,
              procedure,
              attempt: attemptNumber,
              error: error instanceof RetryableFailure ? error.cause : error,
              context,
            });
            return true;
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryableFailure) {
        throw new UpstreamUnavailableError({
          upstream: name,
          procedure,
          reason: error.kind,
          attempts: progress.attempts,
          cause: error.cause,
        });
      }
      throw error;
    }
  }

  async function execute<T>(
    procedure: string,
    callerSignal: AbortSignal | undefined,
    fn: (signal: AbortSignal) => Promise<T>,
    context: CallerContext = NO_CONTEXT,
  ): Promise<T> {
    const startedAt = performance.now();
    const progress = { attempts: 0 };
    const finish = (outcome: CallOutcome) =>
      notify(hooks.onOutcome, {
        upstream: name,
        procedure,
        outcome,
        durationMs: performance.now() - startedAt,
        attempts: progress.attempts,
        context,
      });
    let result: { value: T } | undefined;
    try {
      await breaker.fire(async () => {
        result = { value: await withRetries(procedure, fn, callerSignal, progress, context) };
      });
    } catch (error) {
      if (CircuitBreaker.isOurError(asError(error))) {
        finish('breaker_open');
        throw new UpstreamUnavailableError({
          upstream: name,
          procedure,
          reason: 'breaker_open',
          attempts: 0,
          cause: error,
        });
      }
      if (error instanceof UpstreamUnavailableError) finish(error.reason);
      else if (callerSignal?.aborted) finish('cancelled');
      else finish(classifyFailure(error) === 'domain_error' ? 'domain_error' : 'unexpected_error');
      throw error;
    }
    if (result === undefined) throw new Error('circuit breaker resolved without running the call');
    finish('success');
    return result.value;
  }

  return {
    name,
    config,
    call: (fn, callOptions = {}) =>
      execute(callOptions.procedure ?? 'call', callOptions.signal, fn, callOptions.context),
    link: () => resilienceLink(execute),
    state: () => breakerStateOf(breaker),
    shutdown: () => breaker.shutdown(),
  };
}
