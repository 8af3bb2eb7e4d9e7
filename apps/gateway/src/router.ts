import { cancelOrder } from './procedures/cancel-order.ts';
import { createOrder } from './procedures/create-order.ts';
import { getOrder } from './procedures/get-order.ts';
import { listOrders } from './procedures/list-orders.ts';
import { t } from './trpc.ts';

export const gatewayRouter = t.router({ createOrder, listOrders, getOrder, cancelOrder });
export type GatewayRouter = typeof gatewayRouter;
