import { reserveInputSchema, reserveOutputSchema } from '@oos/contracts';
import { domainCodeOf } from '@oos/service-kit';
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
    try {
      ctx.metrics.reservations.inc({ outcome: await reserveStock(ctx.statements, input) });
    } catch (error) {
      const code = domainCodeOf(error);
      if (code === 'INSUFFICIENT_STOCK') ctx.metrics.reservations.inc({ outcome: 'insufficient_stock' });
      if (code === 'RESERVATION_CONFLICT') ctx.metrics.reservations.inc({ outcome: 'conflict' });
      throw error;
    }
    return { reserved: true as const };
  });
