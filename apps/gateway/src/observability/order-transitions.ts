import { EVENT_TYPE_OF_STATUS } from '@oos/contracts';
import type { OrderStatus } from '@oos/db-gateway';
import type { Logger } from '@oos/service-kit';
import type { OrderWithItems } from '../domain/order-view.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface OrderTransition {
  orderId: string;
  from: OrderStatus;
  to: OrderStatus;
  reason: string;
}

/** What `writeHolding` needs to report a status change: the status before the write, and where to report it. */
export interface TransitionWatch {
  from: OrderStatus;
  report(transition: OrderTransition): void;
}

/** Why an order reached its status, as far as the stored order tells. */
export function transitionReason(order: OrderWithItems): string {
  switch (order.status) {
    case 'FAILED':
      return order.failureReason ?? 'UNKNOWN';
    case 'CANCELLED':
      return 'CANCEL_REQUESTED';
    case 'CONFIRMED':
      return 'CHARGED';
    case 'PENDING':
      return 'RESUMED';
  }
}

/**
 * One log line and one count per transition. `log` carries the request's id (or the recovery worker's) and the
 * order id; the metrics are optional so that domain tests can run the saga without a registry.
 */
export function watchTransitions(
  log: Logger,
  metrics: GatewayMetrics | undefined,
  from: OrderStatus,
): TransitionWatch {
  return {
    from,
    report: ({ orderId, from: before, to, reason }) => {
      log.info('order transition', { order_id: orderId, from: before, to, reason });
      metrics?.orderTransitions.inc({ from: before, to });
      // The write that made the transition wrote its event (triggers on orders).
      metrics?.orderEventsWritten.inc({ type: EVENT_TYPE_OF_STATUS[to] });
      if (to === 'FAILED' && reason === 'PAYMENT_FAILED') metrics?.paymentsFailed.inc();
    },
  };
}

/** The creating request is done with a new order: count it by the status it left the order in. */
export function countCreated(metrics: GatewayMetrics | undefined, order: OrderWithItems): void {
  metrics?.ordersCreated.inc({ status: order.status });
  // Its insert wrote order.created (the transitions after it count their own events).
  metrics?.orderEventsWritten.inc({ type: 'order.created' });
}
