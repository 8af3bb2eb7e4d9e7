import { TRPCError } from '@trpc/server';
import { t } from '../trpc.ts';

/**
 * Runs before input validation: a body that is JSON but not an object (an array, a string, null) gets one clear
 * message instead of a list of missing fields.
 */
export const requireObjectBody = t.middleware(({ ctx, next }) => {
  const body = ctx.rawBody;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'body: must be a JSON object' });
  }
  return next();
});
