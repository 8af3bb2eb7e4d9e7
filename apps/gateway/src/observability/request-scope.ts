import { AsyncLocalStorage } from 'node:async_hooks';
import type { TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';

interface CallScope {
  requestId?: string;
}

const scope = new AsyncLocalStorage<CallScope>();

/**
 * Put before the resilience link: everything that link does for the operation (attempts, retries, breaker
 * events) runs inside a scope holding the caller's request id, so its hooks can log under that id although the
 * resilience package knows nothing about requests.
 */
export function requestScopeLink<TRouter extends AnyRouter>(): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const value = op.context.requestId;
        const call: CallScope = typeof value === 'string' ? { requestId: value } : {};
        const subscription = scope.run(call, () => next(op).subscribe(observer));
        return () => subscription.unsubscribe();
      });
}

/** The request id of the upstream call being made, if it was made for a request. */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}
