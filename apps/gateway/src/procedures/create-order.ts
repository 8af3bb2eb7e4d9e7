import { createOrderInputSchema, idempotencyKeySchema, orderSchema } from '@oos/contracts';
import { z } from 'zod';
import { createOrder as createOrderSaga } from '../domain/create-order.ts';
import { procedure } from '../trpc.ts';
import { sendAnswer } from './answer.ts';
import { idempotencyKeyOf } from './idempotency-key.ts';
import { requireObjectBody } from './json-object-body.ts';

export const createOrder = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/api/orders',
      operationId: 'createOrder',
      tags: ['orders'],
      summary: 'Create an order: reserve stock, charge, confirm (idempotent with an Idempotency-Key)',
      protect: false,
      requestHeaders: z.object({
        'Idempotency-Key': idempotencyKeySchema.optional().meta({
          description: '1-255 visible ASCII characters; retries with the same key and body are safe',
        }),
      }),
    },
  })
  .use(requireObjectBody)
  .input(createOrderInputSchema)
  .output(orderSchema)
  .mutation(async ({ ctx, input }) => {
    const idempotencyKey = idempotencyKeyOf(ctx.headers);
    const answer = await createOrderSaga(ctx.orders, {
      input,
      rawBody: ctx.rawBody,
      idempotencyKey,
      requestId: ctx.requestId,
    });
    if (answer.replay) ctx.orders.metrics?.idempotencyReplays.inc();
    return sendAnswer(ctx.response, answer);
  });
