import {
  type Operation,
  type OperationLink,
  type OperationResultEnvelope,
  TRPCClientError,
  type TRPCLink,
} from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';

/**
 * Runs one logical call under the retry policy and breaker; `attempt` is called once per attempt. `context` is the
 * tRPC operation's context, handed to the hooks as it is (e.g. the request id a caller put there for its logs).
 */
export type Executor = <T>(
  procedure: string,
  callerSignal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
  context?: CallerContext,
) => Promise<T>;

/** What the caller put in the tRPC operation's context, passed on to the hooks untouched. */
export type CallerContext = Readonly<Record<string, unknown>>;

type Envelope<TRouter extends AnyRouter> = OperationResultEnvelope<unknown, TRPCClientError<TRouter>>;

/**
 * Sends the operation down the rest of the chain once and resolves with its result. Aborting `op.signal` (the
 * attempt's signal) unsubscribes, which makes httpLink/httpBatchLink cancel the HTTP request.
 */
function attemptOperation<TRouter extends AnyRouter>(
  next: Parameters<OperationLink<TRouter>>[0]['next'],
  op: Operation & { signal: AbortSignal },
): Promise<Envelope<TRouter>> {
  return new Promise((resolve, reject) => {
    let last: Envelope<TRouter> | undefined;
    const subscription = next(op).subscribe({
      next: (envelope) => {
        last = envelope;
      },
      error: reject,
      complete: () => {
        if (last === undefined) reject(new TRPCClientError('the link completed without a result'));
        else resolve(last);
      },
    });
    op.signal.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
  });
}

function toClientError<TRouter extends AnyRouter>(error: unknown): TRPCClientError<TRouter> {
  if (error instanceof TRPCClientError) return error;
  // tRPC links may only fail with a TRPCClientError; an UpstreamUnavailableError travels as its `cause`,
  // where isUpstreamUnavailable/getUpstreamUnavailable find it.
  return TRPCClientError.from(error instanceof Error ? error : new Error(String(error), { cause: error }));
}

/** The tRPC side of an upstream: queries and mutations go through `execute`; subscriptions pass untouched. */
export function resilienceLink<TRouter extends AnyRouter>(execute: Executor): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) => {
      if (op.type === 'subscription') return next(op);
      return observable((observer) => {
        // Unsubscribing before the result (e.g. the caller's own abort) stops the attempt and the retries.
        const unsubscribed = new AbortController();
        const callerSignal = op.signal
          ? AbortSignal.any([op.signal, unsubscribed.signal])
          : unsubscribed.signal;
        let done = false;
        execute(
          op.path,
          callerSignal,
          (signal) => attemptOperation<TRouter>(next, { ...op, signal }),
          op.context,
        ).then(
          (envelope) => {
            done = true;
            observer.next(envelope);
            observer.complete();
          },
          (error: unknown) => {
            done = true;
            observer.error(toClientError<TRouter>(error));
          },
        );
        return () => {
          if (!done) unsubscribed.abort();
        };
      });
    };
}
