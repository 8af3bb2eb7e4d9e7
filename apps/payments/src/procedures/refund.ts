import { refundInputSchema, refundOutputSchema } from '@oos/contracts';
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
  .mutation(({ ctx, input }) => refundCharge(ctx.db, input));
