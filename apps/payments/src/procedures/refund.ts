import { refundInputSchema, refundOutputSchema } from '@oos/contracts';
import { domainCodeOf } from '@oos/service-kit';
import { refundCharge } from '../domain/refund-charge.ts';
import { procedure } from '../trpc.ts';

export const refund = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/refund',
      tags: ['payments'],
      summary: 'Refund an authorized charge; refunding twice refunds once',
    },
  })
  .input(refundInputSchema)
  .output(refundOutputSchema)
  .mutation(async ({ ctx, input }) => {
    try {
      const result = await refundCharge(ctx.db, input);
      ctx.metrics.refunds.inc({ outcome: result.refunded ? 'refunded' : 'repeat' });
      return result;
    } catch (error) {
      if (domainCodeOf(error) === 'NOT_FOUND') ctx.metrics.refunds.inc({ outcome: 'not_found' });
      throw error;
    }
  });
