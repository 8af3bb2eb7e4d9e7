import { orderSchema } from '@oos/contracts';
import { domainError } from '@oos/service-kit';
import { z } from 'zod';
import { getOrder as findOrder } from '../domain/get-order.ts';
import { procedure } from '../trpc.ts';

export const getOrder = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/api/orders/{id}',
      operationId: 'getOrder',
      tags: ['orders'],
      summary: 'One order by id',
      protect: false,
    },
  })
  // Any string: an id that is not a UUID is answered 404 like an unknown one, not 400.
  .input(z.strictObject({ id: z.string().meta({ description: 'The order id (a UUID)' }) }))
  .output(orderSchema)
  .query(async ({ ctx, input }) => {
    const order = await ctx.orderCache.read(input.id, () => findOrder(ctx.statements, input.id));
    if (!order) throw domainError('NOT_FOUND');
    return order;
  });
