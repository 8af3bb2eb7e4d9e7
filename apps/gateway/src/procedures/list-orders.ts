import { listOrdersInputSchema, orderPageSchema } from '@oos/contracts';
import { listOrders as listOrdersPage } from '../domain/list-orders.ts';
import { procedure } from '../trpc.ts';

export const listOrders = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/api/orders',
      operationId: 'listOrders',
      tags: ['orders'],
      summary: 'List every order, newest first',
      protect: false,
    },
  })
  .input(listOrdersInputSchema)
  .output(orderPageSchema)
  .query(({ ctx, input }) => listOrdersPage(ctx.statements, input));
