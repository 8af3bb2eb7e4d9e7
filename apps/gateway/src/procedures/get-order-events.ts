import { orderEventListSchema, uuidSchema } from '@oos/contracts';
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
    if (!uuidSchema.safeParse(input.id).success) throw domainError('NOT_FOUND');
    const orderId = input.id.toLowerCase();
    const results = await eventsOfOrder(ctx.db, orderId);
    // Every order has its created event, unless retention took it: then the order itself says whether it exists.
    if (
      results.length === 0 &&
      !(await ctx.db.order.findUnique({ where: { id: orderId }, select: { id: true } }))
    ) {
      throw domainError('NOT_FOUND');
    }
    return { results };
  });
