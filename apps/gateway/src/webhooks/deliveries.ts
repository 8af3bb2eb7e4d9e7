import { ORDER_EVENT_TYPES, type WebhookDelivery, webhookDeliverySchema } from '@oos/contracts';
import type { Prisma, PrismaClient } from '@oos/db-gateway';
import { orderEventId } from '../events/event-id.ts';

const include = { event: { select: { type: true } } } satisfies Prisma.WebhookDeliveryInclude;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ include: typeof include }>;

/** A delivery as the API shows it. */
export function deliveryView(row: DeliveryRow): WebhookDelivery {
  return webhookDeliverySchema.parse({
    id: row.id,
    event_id: orderEventId(row.orderId, row.sequence),
    event_type: ORDER_EVENT_TYPES.find((type) => type === row.event.type),
    order_id: row.orderId,
    endpoint: row.endpointUrl,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'PENDING' ? row.nextAttemptAt.toISOString() : undefined,
    last_status_code: row.lastStatusCode ?? undefined,
    last_error: row.lastError ?? undefined,
    delivered_at: row.deliveredAt?.toISOString(),
  });
}

/** Deliveries, most recently changed first: what an operator looks through to find the failed ones. */
export async function listDeliveries(
  db: PrismaClient,
  filter: { status?: WebhookDelivery['status']; orderId?: string },
  limit: number,
): Promise<WebhookDelivery[]> {
  const rows = await db.webhookDelivery.findMany({
    where: { status: filter.status, orderId: filter.orderId?.toLowerCase() },
    orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
    take: limit,
    include,
  });
  return rows.map(deliveryView);
}

export type RetryOutcome =
  | { retried: WebhookDelivery }
  | { refused: 'NOT_FOUND' | 'DELIVERY_NOT_FAILED' | 'WEBHOOK_ENDPOINT_UNKNOWN' };

/**
 * Re-queues a delivery that was given up: due at once, with a new horizon. Only a FAILED one (a pending delivery
 * is retried anyway, a delivered one is done), and only to an endpoint this gateway still sends to.
 */
export async function retryDelivery(
  db: PrismaClient,
  id: string,
  endpoints: readonly string[],
  horizonMs: number,
  now = new Date(),
): Promise<RetryOutcome> {
  const found = await db.webhookDelivery.findUnique({ where: { id }, select: { endpointUrl: true } });
  if (!found) return { refused: 'NOT_FOUND' };
  if (!endpoints.includes(found.endpointUrl)) return { refused: 'WEBHOOK_ENDPOINT_UNKNOWN' };
  const [row] = await db.webhookDelivery.updateManyAndReturn({
    where: { id, status: 'FAILED' },
    data: {
      status: 'PENDING',
      nextAttemptAt: now,
      giveUpAt: new Date(now.getTime() + horizonMs),
      lockedUntil: null,
    },
    include,
  });
  if (!row) return { refused: 'DELIVERY_NOT_FAILED' };
  return { retried: deliveryView(row) };
}
