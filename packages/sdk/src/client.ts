import createClient from 'openapi-fetch';
import { errorFromAnswer } from './errors.ts';
import { DEFAULT_RETRY_POLICY, type RetryEvent, type RetryPolicy, withRetries } from './retry.ts';
import type { paths } from './schema.gen.ts';
import type {
  ListEventsQuery,
  ListOrdersQuery,
  ListWebhookDeliveriesQuery,
  NewOrder,
  OperationId,
  Order,
  OrderEventList,
  OrderEventPage,
  OrderPage,
  WebhookDelivery,
  WebhookDeliveryList,
} from './types.ts';

export interface OrdersClientOptions {
  /** Where the gateway listens, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  retry?: Partial<RetryPolicy>;
  /** Sent with every request (an API gateway's credentials, say). */
  headers?: Record<string, string>;
  /** Another fetch (a proxy agent, instrumentation); the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** Told before each repeat, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface CreateOrderOptions extends CallOptions {
  /** Makes the create safe to repeat (CONTRACT §3); one is made up when none is given, so retries stay safe. */
  idempotencyKey?: string;
}

export interface CancelOrderOptions extends CallOptions {
  idempotencyKey?: string;
}

export interface CreatedOrder {
  order: Order;
  /** The stored answer of an earlier create with the same key (HTTP 200 `Idempotent-Replay: true`). */
  replayed: boolean;
  /** The key the create was sent with: keep it to repeat the create later without a second order. */
  idempotencyKey: string;
}

export interface CancelledOrder {
  order: Order;
  replayed: boolean;
}

export interface OrdersClient {
  /** Reserves, charges and confirms; repeats 503, 429 and 409 IDEMPOTENCY_IN_PROGRESS with the same key. */
  createOrder(order: NewOrder, options?: CreateOrderOptions): Promise<CreatedOrder>;
  listOrders(query?: ListOrdersQuery, options?: CallOptions): Promise<OrderPage>;
  getOrder(id: string, options?: CallOptions): Promise<Order>;
  /** Releases the stock and refunds the charge; repeats 503, 429 and 409 ORDER_BUSY. */
  cancelOrder(id: string, options?: CancelOrderOptions): Promise<CancelledOrder>;
  /**
   * A page of the events feed, oldest first: pass the page's `next_cursor` as `after` for the events that follow
   * (the same cursor comes back while there are none yet). Repeats 503 and 429.
   */
  listEvents(query?: ListEventsQuery, options?: CallOptions): Promise<OrderEventPage>;
  /** One order's events, in sequence; NOT_FOUND for an unknown order. Repeats 503 and 429. */
  getOrderEvents(id: string, options?: CallOptions): Promise<OrderEventList>;
  /** Webhook deliveries, most recently changed first (e.g. `{ status: 'FAILED' }`). Repeats 503 and 429. */
  listWebhookDeliveries(
    query?: ListWebhookDeliveriesQuery,
    options?: CallOptions,
  ): Promise<WebhookDeliveryList>;
  /**
   * Makes a FAILED webhook delivery PENDING again, due now, with a new retry horizon (HTTP 202); repeats 503 and
   * 429. A repeat after an answer lost on the way may see 409 DELIVERY_NOT_FAILED: the first request took.
   */
  retryWebhookDelivery(id: string, options?: CallOptions): Promise<WebhookDelivery>;
}

const isReplay = (response: Response) => response.headers.get('Idempotent-Replay') === 'true';

/**
 * A typed client of the gateway's public REST API. Every failure is an `OrderApiError` carrying the answer's
 * `detail` (or, when no answer came at all, fetch's own error after the retries).
 */
export function createOrdersClient(options: OrdersClientOptions): OrdersClient {
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: options.headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const retrying = (operation: OperationId, signal: AbortSignal | undefined, idempotencyKey?: string) => ({
    operation,
    policy,
    signal,
    idempotencyKey,
    onRetry: options.onRetry,
  });

  return {
    createOrder(order, { idempotencyKey = crypto.randomUUID(), signal } = {}) {
      return withRetries(retrying('createOrder', signal, idempotencyKey), async () => {
        const { data, error, response } = await api.POST('/api/orders', {
          params: { header: { 'Idempotency-Key': idempotencyKey } },
          body: order,
          signal,
        });
        if (!data) throw errorFromAnswer('createOrder', response, error);
        return { order: data, replayed: isReplay(response), idempotencyKey };
      });
    },

    listOrders(query = {}, { signal } = {}) {
      return withRetries(retrying('listOrders', signal), async () => {
        const { data, error, response } = await api.GET('/api/orders', { params: { query }, signal });
        if (!data) throw errorFromAnswer('listOrders', response, error);
        return data;
      });
    },

    getOrder(id, { signal } = {}) {
      return withRetries(retrying('getOrder', signal), async () => {
        const { data, error, response } = await api.GET('/api/orders/{id}', {
          params: { path: { id } },
          signal,
        });
        if (!data) throw errorFromAnswer('getOrder', response, error);
        return data;
      });
    },

    cancelOrder(id, { idempotencyKey, signal } = {}) {
      return withRetries(retrying('cancelOrder', signal, idempotencyKey), async () => {
        const { data, error, response } = await api.POST('/api/orders/{id}/cancel', {
          params: {
            path: { id },
            ...(idempotencyKey === undefined ? {} : { header: { 'Idempotency-Key': idempotencyKey } }),
          },
          signal,
        });
        if (!data) throw errorFromAnswer('cancelOrder', response, error);
        return { order: data, replayed: isReplay(response) };
      });
    },

    listEvents(query = {}, { signal } = {}) {
      return withRetries(retrying('listEvents', signal), async () => {
        const { data, error, response } = await api.GET('/api/events', { params: { query }, signal });
        if (!data) throw errorFromAnswer('listEvents', response, error);
        return data;
      });
    },

    getOrderEvents(id, { signal } = {}) {
      return withRetries(retrying('getOrderEvents', signal), async () => {
        const { data, error, response } = await api.GET('/api/orders/{id}/events', {
          params: { path: { id } },
          signal,
        });
        if (!data) throw errorFromAnswer('getOrderEvents', response, error);
        return data;
      });
    },

    listWebhookDeliveries(query = {}, { signal } = {}) {
      return withRetries(retrying('listWebhookDeliveries', signal), async () => {
        const { data, error, response } = await api.GET('/api/webhook-deliveries', {
          params: { query },
          signal,
        });
        if (!data) throw errorFromAnswer('listWebhookDeliveries', response, error);
        return data;
      });
    },
    retryWebhookDelivery(id, { signal } = {}) {
      return withRetries(retrying('retryWebhookDelivery', signal), async () => {
        const { data, error, response } = await api.POST('/api/webhook-deliveries/{id}/retry', {
          params: { path: { id } },
          signal,
        });
        if (!data) throw errorFromAnswer('retryWebhookDelivery', response, error);
        return data;
      });
    },
  };
}
