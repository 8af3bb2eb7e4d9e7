import type { InventoryRouter } from '@oos/inventory/router';
import type { PaymentsRouter } from '@oos/payments/router';
import {
  type BreakerState,
  createHttpFetch,
  createUpstream,
  type ResilienceConfig,
  type Upstream,
} from '@oos/resilience';
import type { Logger, Metrics } from '@oos/service-kit';
import { createTRPCClient, type HTTPHeaders, httpLink, type Operation, type TRPCClient } from '@trpc/client';
import { gatewayMetrics } from './observability/metrics.ts';
import { upstreamHooks } from './observability/upstream-hooks.ts';

/** What a saga step passes per call; it travels in the tRPC operation context to the header builder below. */
export interface CallContext {
  requestId: string;
  /** The charge's key, derived from the order id (CONTRACT §4); never the client's key. */
  idempotencyKey?: string;
  /** The client's key, forwarded for tracing only. */
  clientIdempotencyKey?: string;
}

export interface Upstreams {
  inventory: TRPCClient<InventoryRouter>;
  payments: TRPCClient<PaymentsRouter>;
  states(): { inventory: BreakerState; payments: BreakerState };
  /** Opens a connection to each upstream ahead of the first order (its `/health`); never rejects. */
  preconnect(): Promise<void>;
  /** Stops the breakers' timers and closes the pooled connections. */
  shutdown(): Promise<void>;
}

export interface UpstreamsOptions {
  inventoryBaseUrl: string;
  paymentsBaseUrl: string;
  internalToken: string | undefined;
  resilience: ResilienceConfig;
  logger: Logger;
  /** The gateway app's metrics: upstream latency, retries and breaker state go to its registry. */
  metrics?: Metrics;
}

function stringField(context: Operation['context'], name: string): string | undefined {
  const value = context[name];
  return typeof value === 'string' ? value : undefined;
}

function headersFor(internalToken: string | undefined) {
  return ({ op }: { op: Operation }): HTTPHeaders => {
    const headers: Record<string, string> = {};
    if (internalToken) headers.Authorization = `Bearer ${internalToken}`;
    const requestId = stringField(op.context, 'requestId');
    if (requestId) headers['X-Request-ID'] = requestId;
    const idempotencyKey = stringField(op.context, 'idempotencyKey');
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const clientKey = stringField(op.context, 'clientIdempotencyKey');
    if (clientKey) headers['X-Client-Idempotency-Key'] = clientKey;
    return headers;
  };
}

function upstream(name: string, options: UpstreamsOptions): Upstream {
  const metrics = options.metrics ? gatewayMetrics(options.metrics.registry) : undefined;
  return createUpstream({
    name,
    config: options.resilience,
    hooks: upstreamHooks(name, options.logger, metrics),
  });
}

/**
 * The only place the gateway talks to other services. Every call goes through the upstream's resilience link
 * (per-attempt timeout, retries with backoff, circuit breaker) before the HTTP link. The link retries mutations
 * too, which is safe only because every internal mutation is idempotent: reserve/release are keyed by the
 * reservation id (the order id) and charge by its derived Idempotency-Key, so a repeated request that did reach
 * the service returns the first answer and never reserves or charges twice.
 */
export function createUpstreams(options: UpstreamsOptions): Upstreams {
  const inventoryUpstream = upstream('inventory', options);
  const paymentsUpstream = upstream('payments', options);
  const headers = headersFor(options.internalToken);
  const transport = createHttpFetch();
  return {
    inventory: createTRPCClient<InventoryRouter>({
      links: [
        inventoryUpstream.link(),
        httpLink({ url: `${options.inventoryBaseUrl}/trpc`, headers, fetch: transport.fetch }),
      ],
    }),
    payments: createTRPCClient<PaymentsRouter>({
      links: [
        paymentsUpstream.link(),
        httpLink({ url: `${options.paymentsBaseUrl}/trpc`, headers, fetch: transport.fetch }),
      ],
    }),
    states: () => ({ inventory: inventoryUpstream.state(), payments: paymentsUpstream.state() }),
    preconnect: () => transport.preconnect([options.inventoryBaseUrl, options.paymentsBaseUrl], '/health'),
    shutdown: async () => {
      inventoryUpstream.shutdown();
      paymentsUpstream.shutdown();
      await transport.close();
    },
  };
}

/** Per-call options for a tRPC mutation: the values the header builder reads. */
export function callOptions(context: CallContext): { context: Record<string, string> } {
  const values: Record<string, string> = { requestId: context.requestId };
  if (context.idempotencyKey) values.idempotencyKey = context.idempotencyKey;
  if (context.clientIdempotencyKey) values.clientIdempotencyKey = context.clientIdempotencyKey;
  return { context: values };
}
