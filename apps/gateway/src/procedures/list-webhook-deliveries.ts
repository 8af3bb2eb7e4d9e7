import { listWebhookDeliveriesInputSchema, webhookDeliveryListSchema } from '@oos/contracts';
import { procedure } from '../trpc.ts';
import { listDeliveries } from '../webhooks/deliveries.ts';

export const listWebhookDeliveries = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/api/webhook-deliveries',
      operationId: 'listWebhookDeliveries',
      tags: ['events'],
      summary: 'Webhook deliveries, most recently changed first (e.g. the failed ones, to retry them)',
      protect: false,
    },
  })
  .input(listWebhookDeliveriesInputSchema)
  .output(webhookDeliveryListSchema)
  .query(async ({ ctx, input }) => ({
    results: await listDeliveries(ctx.db, { status: input.status, orderId: input.order_id }, input.limit),
  }));
