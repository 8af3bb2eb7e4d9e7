import { TRPCClientError } from '@trpc/client';
import { expect } from 'vitest';
import type { PaymentsRouter } from '../router.ts';

/** Awaits a call that must fail and returns what a tRPC caller sees: the HTTP status and the problem detail. */
export async function trpcFailure(call: Promise<unknown>): Promise<{ httpStatus: number; detail: string }> {
  const error = await call.then(
    (value) => {
      throw new Error(`expected the call to fail, it answered ${JSON.stringify(value)}`);
    },
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  if (!(error instanceof TRPCClientError)) throw error;
  const typed: TRPCClientError<PaymentsRouter> = error;
  if (typed.data) return { httpStatus: typed.data.httpStatus, detail: typed.data.detail };
  // Answers given before tRPC runs (401, 413, 415) are plain problem+json bodies, not tRPC error envelopes.
  const response = typed.meta?.response;
  const json = typed.meta?.responseJSON;
  return {
    httpStatus: response instanceof Response ? response.status : 0,
    detail: typeof json === 'object' && json !== null && 'detail' in json ? String(json.detail) : '',
  };
}
