import type { IncomingHttpHeaders } from 'node:http';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeySchema } from '@oos/contracts';
import { TRPCError } from '@trpc/server';

/** The optional `Idempotency-Key` header; present but empty, too long or not visible ASCII → 400 naming it. */
export function idempotencyKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers[IDEMPOTENCY_KEY_HEADER];
  if (raw === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
  throw new TRPCError({ code: 'BAD_REQUEST', message: `Idempotency-Key: ${reason}` });
}
