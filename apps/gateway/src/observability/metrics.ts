import type { BreakerState } from '@oos/resilience';
import { metricsPerRegistry } from '@oos/service-kit';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The gateway's own metrics, next to service-kit's HTTP histogram and the default process metrics. */
export interface GatewayMetrics {
  /** New orders by the status the creating request left them in (CONFIRMED, FAILED or PENDING). */
  ordersCreated: Counter<'status'>;
  orderTransitions: Counter<'from' | 'to'>;
  paymentsFailed: Counter;
  /** One sample per attempt (each HTTP request to an upstream), by the attempt's outcome. */
  upstreamDuration: Histogram<'upstream' | 'procedure' | 'outcome'>;
  upstreamRetries: Counter<'upstream' | 'procedure'>;
  breakerState: Gauge<'upstream'>;
  idempotencyReplays: Counter;
  rateLimited: Counter<'scope'>;
  recoveryRuns: Counter;
  recoveryOrders: Counter<'outcome'>;
  /** Where `orders_pending` reads its value at scrape time (one indexed count). */
  countPendingOrdersWith(count: () => Promise<number>): void;
  /** Events this replica's writes produced (each status change writes one, in its statement), by type. */
  orderEventsWritten: Counter<'type'>;
  /** Webhook attempts by what they led to: delivered, retrying (failed, tried again later) or failed (given up). */
  webhookDeliveries: Counter<'outcome'>;
  webhookDeliveryDuration: Histogram<'outcome'>;
  /** Age of the oldest event a delivery still waits for, as of the dispatcher's last pass (0 when none waits). */
  webhookOldestUndelivered: Gauge;
}

export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

export const gatewayMetrics = metricsPerRegistry((registers): GatewayMetrics => {
  let countPending: (() => Promise<number>) | undefined;
  const metrics: GatewayMetrics = {
    ordersCreated: new Counter({
      name: 'orders_created_total',
      help: 'Orders created, by the status the creating request left them in',
      labelNames: ['status'],
      registers,
    }),
    orderTransitions: new Counter({
      name: 'order_transitions_total',
      help: 'Order status transitions',
      labelNames: ['from', 'to'],
      registers,
    }),
    paymentsFailed: new Counter({
      name: 'payments_failed_total',
      help: 'Orders failed because payments declined the charge',
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'upstream_request_duration_seconds',
      help: 'Duration of each attempt of an upstream call, by outcome',
      labelNames: ['upstream', 'procedure', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    upstreamRetries: new Counter({
      name: 'upstream_retries_total',
      help: 'Upstream attempts that failed retryably and were retried',
      labelNames: ['upstream', 'procedure'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open',
      labelNames: ['upstream'],
      registers,
    }),
    idempotencyReplays: new Counter({
      name: 'idempotency_replays_total',
      help: 'Requests answered with the stored answer of an earlier request with the same Idempotency-Key',
      registers,
    }),
    rateLimited: new Counter({
      name: 'rate_limited_total',
      help: 'Requests refused with 429, by rate-limit scope',
      labelNames: ['scope'],
      registers,
    }),
    recoveryRuns: new Counter({
      name: 'recovery_runs_total',
      help: 'Recovery worker passes',
      registers,
    }),
    recoveryOrders: new Counter({
      name: 'recovery_orders_total',
      help: 'Orders worked by the recovery worker, by the state they were left in',
      labelNames: ['outcome'],
      registers,
    }),
    countPendingOrdersWith: (count) => {
      countPending = count;
    },
    orderEventsWritten: new Counter({
      name: 'order_events_written_total',
      help: "Order events written to the outbox by this replica's writes, by type",
      labelNames: ['type'],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook attempts, by outcome: delivered, retrying (will be tried again) or failed (given up)',
      labelNames: ['outcome'],
      registers,
    }),
    webhookDeliveryDuration: new Histogram({
      name: 'webhook_delivery_duration_seconds',
      help: 'Duration of each webhook attempt, by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    webhookOldestUndelivered: new Gauge({
      name: 'webhook_oldest_undelivered_event_age_seconds',
      help: 'Age of the oldest order event a webhook delivery still waits for (0 when none waits)',
      registers,
    }),
  };
  new Gauge({
    name: 'orders_pending',
    help: 'Orders currently PENDING',
    registers,
    async collect() {
      if (!countPending) return;
      try {
        this.set(await countPending());
      } catch {
        // An unreachable database must not fail the whole scrape; the gauge keeps its last value.
      }
    },
  });
  // Every outcome is exported from the start, so that increase() sees the first failure after a restart.
  for (const outcome of ['delivered', 'retrying', 'failed']) metrics.webhookDeliveries.inc({ outcome }, 0);
  return metrics;
});
