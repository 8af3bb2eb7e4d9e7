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
  ListOrdersQuery,
  NewOrder,
  OperationId,
  Order,
  OrderPage,
  OrderStatus,
  ProblemOf,
} from './types.ts';
