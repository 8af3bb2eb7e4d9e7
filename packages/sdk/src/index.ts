export {
  type CallOptions,
  type CancelledOrder,
  type CancelOrderOptions,
  type CreatedOrder,
  type CreateOrderOptions,
  createOrdersClient,
  type OrdersClient,
  type OrdersClientOptions,
} from './client.ts';
export { OrderApiError } from './errors.ts';
export { DEFAULT_RETRY_POLICY, type RetryEvent, type RetryPolicy } from './retry.ts';
export type { components, operations, paths } from './schema.gen.ts';
export type {
  ErrorDetail,
  ListEventsQuery,
  ListOrdersQuery,
  ListWebhookDeliveriesQuery,
  NewOrder,
  OperationId,
  Order,
  OrderEvent,
  OrderEventList,
  OrderEventPage,
  OrderEventType,
  OrderPage,
  OrderStatus,
  ProblemOf,
  WebhookDelivery,
  WebhookDeliveryList,
} from './types.ts';
export { type VerifyWebhookOptions, verifyWebhook, WebhookVerificationError } from './webhooks.ts';
