import type { Logger } from '@oos/service-kit';
import type { SagaRun } from '../domain/order-saga.ts';
import type { OrderWithItems } from '../domain/order-view.ts';
import type { GatewayMetrics } from './metrics.ts';

/** What the worker is about to do with a claimed order, decided as `work` decides it (worker.ts). */
export function recoveryAction(
  log: Logger,
  order: OrderWithItems,
  now: Date,
  pendingTimeoutMs: number,
): void {
  let action: string;
  if (order.status === 'FAILED') action = 'settle_money';
  else if (order.cancelRequested) action = 'finish_cancel';
  else if (order.status !== 'PENDING') action = 'nothing';
  else if (now.getTime() - order.createdAt.getTime() >= pendingTimeoutMs && order.failureReason === null) {
    action = 'time_out';
  } else action = 'resume';
  log.info('recovery worker picked up an order', {
    order_id: order.id,
    action,
    status: order.status,
    attempts: order.attempts,
  });
}

/** A worked order, by the state it was left in: its final status, or `waiting` while an upstream is down. */
export function recoveryOutcome(metrics: GatewayMetrics | undefined, run: SagaRun): void {
  const outcome = run.interrupted ? 'waiting' : run.order.status.toLowerCase();
  metrics?.recoveryOrders.inc({ outcome });
}
