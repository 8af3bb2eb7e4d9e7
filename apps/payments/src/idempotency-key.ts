import { IDEMPOTENCY_KEY_HEADER, idempotencyKeySchema } from '@oos/contracts';
import { TRPCError } from '@trpc/server';
import { t } from './trpc.ts';

/**
 * The charge's key travels in a header on tRPC and REST alike, so it is checked here rather than in the input
 * schema; a bad or missing key is a 400 whose detail names the header, like any other validation error.
 */
export const requireIdempotencyKey = t.middleware(({ ctx, next }) => {
  const raw = ctx.headers[IDEMPOTENCY_KEY_HEADER];
  if (raw === undefined) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'Idempotency-Key: header is required' });
  }
  const parsed = idempotencyKeySchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
    throw new TRPCError({ code: 'BAD_REQUEST', message: `Idempotency-Key: ${reason}` });
  }
  return next({ ctx: { idempotencyKey: parsed.data } });
});
