import { chargeInputSchema, chargeOutputSchema } from '@oos/contracts';
import { authorizeCharge } from '../domain/authorize-charge.ts';
import { requireIdempotencyKey } from '../idempotency-key.ts';
import { procedure } from '../trpc.ts';

export const charge = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/charge',
      tags: ['payments'],
      summary: 'Authorize a payment, idempotently per Idempotency-Key header',
    },
  })
  .use(requireIdempotencyKey)
  .input(chargeInputSchema)
  .output(chargeOutputSchema)
  .mutation(({ ctx, input }) =>
    authorizeCharge(ctx.db, {
      idempotencyKey: ctx.idempotencyKey,
      input,
      declineAboveCents: ctx.declineAboveCents,
    }),
  );
