import { reserveInputSchema, reserveOutputSchema } from '@oos/contracts';
import { reserveStock } from '../domain/reserve-stock.ts';
import { procedure } from '../trpc.ts';

export const reserve = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/reserve',
      tags: ['inventory'],
      summary: 'Reserve every line of a reservation, or none (422 INSUFFICIENT_STOCK)',
    },
  })
  .input(reserveInputSchema)
  .output(reserveOutputSchema)
  .mutation(async ({ ctx, input }) => {
    await reserveStock(ctx.db, input);
    return { reserved: true as const };
  });
