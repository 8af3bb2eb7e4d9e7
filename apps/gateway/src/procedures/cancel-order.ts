import { idempotencyKeySchema, orderSchema } from '@oos/contracts';
import { z } from 'zod';
import { cancelOrder as cancelOrderSaga } from '../domain/cancel-order.ts';
import { procedure } from '../trpc.ts';
import { sendAnswer } from './answer.ts';
import { idempotencyKeyOf } from './idempotency-key.ts';

export const cancelOrder = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/api/orders/{id}/cancel',
      operationId: 'cancelOrder',
      tags: ['orders'],
      summary: 'Cancel an order: release its stock and refund its charge (no body needed)',
      protect: false,
      requestHeaders: z.object({
        'Idempotency-Key': idempotencyKeySchema.optional().meta({
          description: '1-255 visible ASCII characters; scoped to cancel (a create key is another key)',
        }),
      }),
    },
  })
  // Any string: an id that is not a UUID is answered 404 like an unknown one, not 400.
  .input(z.strictObject({ id: z.string().meta({ description: 'The order id (a UUID)' }) }))
  .output(orderSchema)
  .mutation(async ({ ctx, input }) => {
    const answer = await cancelOrderSaga(ctx.orders, {
      orderId: input.id,
      idempotencyKey: idempotencyKeyOf(ctx.headers),
      requestId: ctx.requestId,
    });
    if (answer.replay) ctx.orders.metrics?.idempotencyReplays.inc();
    return sendAnswer(ctx.response, answer);
  });
