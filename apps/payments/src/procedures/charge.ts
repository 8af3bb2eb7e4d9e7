import { chargeInputSchema, chargeOutputSchema } from '@oos/contracts';
import { domainCodeOf } from '@oos/service-kit';
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
  .mutation(async ({ ctx, input }) => {
    let made = false;
    try {
      const result = await authorizeCharge(ctx.statements, {
        idempotencyKey: ctx.idempotencyKey,
        input,
        declineAboveCents: ctx.declineAboveCents,
        onRecorded: (isNew) => {
          made = isNew;
        },
      });
      ctx.metrics.charges.inc({ outcome: made ? 'authorized' : 'repeat' });
      return result;
    } catch (error) {
      const code = domainCodeOf(error);
      if (code === 'PAYMENT_FAILED') ctx.metrics.charges.inc({ outcome: made ? 'declined' : 'repeat' });
      if (code === 'IDEMPOTENCY_CONFLICT') ctx.metrics.charges.inc({ outcome: 'conflict' });
      throw error;
    }
  });
