import { releaseInputSchema, releaseOutputSchema } from '@oos/contracts';
import { releaseReservation } from '../domain/release-reservation.ts';
import { procedure } from '../trpc.ts';

export const release = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/release',
      tags: ['inventory'],
      summary: 'Give a reservation’s stock back, once',
    },
  })
  .input(releaseInputSchema)
  .output(releaseOutputSchema)
  .mutation(async ({ ctx, input }) => {
    const released = await releaseReservation(ctx.db, input);
    ctx.metrics.releases.inc({ outcome: released ? 'released' : 'repeat' });
    return { released };
  });
