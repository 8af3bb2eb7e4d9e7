import { orderEventListSchema, uuidFromPath } from '@oos/contracts';
import { domainError } from '@oos/service-kit';
import { z } from 'zod';
import { eventsOfOrder } from '../events/event-store.ts';
import { procedure } from '../trpc.ts';

export const getOrderEvents = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/api/orders/{id}/events',
      operationId: 'getOrderEvents',
      tags: ['events'],
      summary: "One order's events, in sequence",
      protect: false,
    },
  })
  // Any string: an id that is not a UUID is answered 404 like an unknown one, not 400.
  .input(z.strictObject({ id: z.string().meta({ description: 'The order id (a UUID)' }) }))
  .output(orderEventListSchema)
  .query(async ({ ctx, input }) => {
    const orderId = uuidFromPath(input.id);
    const results = orderId === undefined ? undefined : await eventsOfOrder(ctx.db, orderId);
    if (results === undefined) throw domainError('NOT_FOUND');
    return { results };
  });
