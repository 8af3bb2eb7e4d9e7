import { cancelOrder } from './procedures/cancel-order.ts';
import { createOrder } from './procedures/create-order.ts';
import { getOrder } from './procedures/get-order.ts';
import { getOrderEvents } from './procedures/get-order-events.ts';
import { listEvents } from './procedures/list-events.ts';
import { listOrders } from './procedures/list-orders.ts';
import { listWebhookDeliveries } from './procedures/list-webhook-deliveries.ts';
import { retryWebhookDelivery } from './procedures/retry-webhook-delivery.ts';
import { t } from './trpc.ts';

export const gatewayRouter = t.router({
  createOrder,
  listOrders,
  getOrder,
  cancelOrder,
  listEvents,
  getOrderEvents,
  listWebhookDeliveries,
  retryWebhookDelivery,
});
export type GatewayRouter = typeof gatewayRouter;
