import { uuidFromPath, webhookDeliverySchema } from '@oos/contracts';
import { domainError } from '@oos/service-kit';
import { z } from 'zod';
import { procedure } from '../trpc.ts';
import { retryDelivery } from '../webhooks/deliveries.ts';

export const retryWebhookDelivery = procedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/api/webhook-deliveries/{id}/retry',
      operationId: 'retryWebhookDelivery',
      tags: ['events'],
      summary: 'Send a failed webhook delivery again (no body needed)',
      protect: false,
    },
  })
  .input(
    z.strictObject({
      id: z.string().meta({ description: 'The delivery id (a UUID), as its log line names it' }),
    }),
  )
  .output(webhookDeliverySchema)
  .mutation(async ({ ctx, input }) => {
    const id = uuidFromPath(input.id);
    if (id === undefined) throw domainError('NOT_FOUND');
    const { endpoints, horizonMs } = ctx.webhooks;
    const outcome = await retryDelivery(
      ctx.db,
      id,
      endpoints.map((endpoint) => endpoint.url),
      horizonMs,
    );
    if ('refused' in outcome) throw domainError(outcome.refused);
    ctx.response.status = 202;
    return outcome.retried;
  });
