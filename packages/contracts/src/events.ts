import { z } from 'zod';
import { orderSchema } from './orders.ts';

/** What happened to an order; each status an order reaches is announced once, in the order it happened. */
export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.confirmed',
  'order.failed',
  'order.cancelled',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** The status an order has when an event of this type is written. */
export const STATUS_OF_EVENT = {
  'order.created': 'PENDING',
  'order.confirmed': 'CONFIRMED',
  'order.failed': 'FAILED',
  'order.cancelled': 'CANCELLED',
} as const satisfies Record<OrderEventType, z.output<typeof orderSchema>['status']>;

/** The event a change to this status writes (order.created for a new, PENDING order). */
export const EVENT_TYPE_OF_STATUS = {
  PENDING: 'order.created',
  CONFIRMED: 'order.confirmed',
  FAILED: 'order.failed',
  CANCELLED: 'order.cancelled',
} as const satisfies Record<z.output<typeof orderSchema>['status'], OrderEventType>;

/** One event: the body of a webhook delivery and an entry of the events feed. */
export const orderEventSchema = z
  .object({
    id: z.uuid().meta({ description: 'The same for every delivery of this event: deduplicate on it' }),
    type: z.enum(ORDER_EVENT_TYPES),
    order_id: z.uuid(),
    sequence: z
      .number()
      .int()
      .min(1)
      .meta({ description: '1 for order.created, then one more per status change of the order' }),
    created_at: z.iso.datetime(),
    data: orderSchema.meta({ description: 'The order as the API showed it at that moment' }),
  })
  .meta({ id: 'OrderEvent' });
export type OrderEvent = z.output<typeof orderEventSchema>;

export const EVENT_PAGE_LIMIT_DEFAULT = 20;
export const EVENT_PAGE_LIMIT_MAX = 100;

/** How many entries a page of the feed or of the deliveries holds. */
const pageLimitSchema = z.coerce
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(EVENT_PAGE_LIMIT_MAX, `must be at most ${EVENT_PAGE_LIMIT_MAX}`)
  .default(EVENT_PAGE_LIMIT_DEFAULT);

export const listEventsInputSchema = z.strictObject({
  after: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional().meta({
    description: 'A `next_cursor` from an earlier page; without it the feed starts at its oldest event',
  }),
  limit: pageLimitSchema,
});
export type ListEventsInput = z.output<typeof listEventsInputSchema>;

export const eventPageSchema = z
  .object({
    results: z.array(orderEventSchema).meta({ description: 'Oldest first' }),
    next_cursor: z.string().meta({
      description:
        'Pass as `after` for the events that follow (the same cursor again when there are none yet)',
    }),
  })
  .meta({ id: 'OrderEventPage' });
export type EventPage = z.output<typeof eventPageSchema>;

export const orderEventListSchema = z
  .object({ results: z.array(orderEventSchema).meta({ description: 'In sequence' }) })
  .meta({ id: 'OrderEventList' });
export type OrderEventList = z.output<typeof orderEventListSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;

export const webhookDeliverySchema = z
  .object({
    id: z.uuid(),
    event_id: z.uuid(),
    event_type: z.enum(ORDER_EVENT_TYPES),
    order_id: z.uuid(),
    endpoint: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    next_attempt_at: z.iso.datetime().optional(),
    last_status_code: z.number().int().optional(),
    last_error: z.string().optional(),
    delivered_at: z.iso.datetime().optional(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.output<typeof webhookDeliverySchema>;

export const listWebhookDeliveriesInputSchema = z.strictObject({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional().meta({ description: 'Only deliveries in this state' }),
  order_id: z.uuid('must be a UUID').optional().meta({ description: "Only this order's deliveries" }),
  limit: pageLimitSchema,
});
export type ListWebhookDeliveriesInput = z.output<typeof listWebhookDeliveriesInputSchema>;

export const webhookDeliveryListSchema = z
  .object({
    results: z.array(webhookDeliverySchema).meta({ description: 'Most recently changed first' }),
  })
  .meta({ id: 'WebhookDeliveryList' });

/** Headers of every webhook delivery. */
export const WEBHOOK_HEADERS = {
  eventId: 'Oos-Event-Id',
  eventType: 'Oos-Event-Type',
  signature: 'Oos-Signature',
} as const;
