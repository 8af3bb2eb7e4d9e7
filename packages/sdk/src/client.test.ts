import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrdersClient, OrderApiError, type RetryEvent } from './index.ts';

/** A real HTTP server answering from a script, one entry per request, recording what it was sent. */
interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Close the connection without any answer. */
  hangUp?: boolean;
}
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const ORDER = {
  id: '6f1c1d2e-1111-4a4a-8b8b-000000000001',
  status: 'CONFIRMED',
  items: [{ sku: 'SKU1', quantity: 1 }],
  amount_cents: 1500,
  currency: 'EUR',
  transaction_id: 'txn_1',
  created_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
};
const NEW_ORDER = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };
const problem = (status: number, detail: string, extra: Record<string, unknown> = {}, headers = {}) => ({
  status,
  body: { detail, ...extra },
  headers: { 'Content-Type': 'application/problem+json', ...headers },
});
const ok = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  body,
  headers,
});

let server: Server;
let baseUrl: string;
let script: Scripted[];
let received: Received[];

beforeEach(async () => {
  script = [];
  received = [];
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const next = script.shift() ?? problem(500, 'SCRIPT_EXHAUSTED');
    if ('hangUp' in next && next.hangUp) {
      req.socket.destroy();
      return;
    }
    res.writeHead(next.status, {
      'Content-Type': 'application/json',
      'X-Request-ID': 'req-1',
      ...next.headers,
    });
    res.end(typeof next.body === 'string' ? next.body : JSON.stringify(next.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no port');
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fastRetries = { retries: 3, minDelayMs: 1, maxDelayMs: 5 };

describe('createOrder', () => {
  it('posts the order as JSON with the given key and returns the created order', async () => {
    script.push(ok(201, ORDER));
    const client = createOrdersClient({ baseUrl });
    const created = await client.createOrder(NEW_ORDER, { idempotencyKey: 'key-1' });
    expect(created).toEqual({ order: ORDER, replayed: false, idempotencyKey: 'key-1' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/api/orders' });
    expect(received[0]?.headers['idempotency-key']).toBe('key-1');
    expect(received[0]?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(received[0]?.body ?? '')).toEqual(NEW_ORDER);
  });

  it('makes up a key when none is given, so a repeat cannot create a second order', async () => {
    script.push(ok(201, ORDER));
    const created = await createOrdersClient({ baseUrl }).createOrder(NEW_ORDER);
    expect(created.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(received[0]?.headers['idempotency-key']).toBe(created.idempotencyKey);
  });

  it('reports a replay (200 Idempotent-Replay: true)', async () => {
    script.push(ok(200, ORDER, { 'Idempotent-Replay': 'true' }));
    const created = await createOrdersClient({ baseUrl }).createOrder(NEW_ORDER, { idempotencyKey: 'k' });
    expect(created.replayed).toBe(true);
  });

  it('repeats 503 and 409 IDEMPOTENCY_IN_PROGRESS with the same key until the order is created', async () => {
    script.push(
      problem(503, 'UPSTREAM_UNAVAILABLE', { order_id: ORDER.id }),
      problem(409, 'IDEMPOTENCY_IN_PROGRESS'),
      ok(201, ORDER),
    );
    const events: RetryEvent[] = [];
    const client = createOrdersClient({
      baseUrl,
      retry: fastRetries,
      onRetry: (event) => void events.push(event),
    });
    const created = await client.createOrder(NEW_ORDER);
    expect(created.order).toEqual(ORDER);
    expect(received).toHaveLength(3);
    const keys = new Set(received.map((request) => request.headers['idempotency-key']));
    expect([...keys]).toEqual([created.idempotencyKey]);
    expect(events.map((event) => [event.attempt, event.idempotencyKey])).toEqual([
      [1, created.idempotencyKey],
      [2, created.idempotencyKey],
    ]);
    expect(events.map((event) => (event.error instanceof OrderApiError ? event.error.detail : ''))).toEqual([
      'UPSTREAM_UNAVAILABLE',
      'IDEMPOTENCY_IN_PROGRESS',
    ]);
  });

  it('repeats when the connection drops before any answer', async () => {
    script.push({ status: 0, hangUp: true }, ok(201, ORDER));
    const created = await createOrdersClient({ baseUrl, retry: fastRetries }).createOrder(NEW_ORDER, {
      idempotencyKey: 'drop',
    });
    expect(created.order.id).toBe(ORDER.id);
    expect(received.map((request) => request.headers['idempotency-key'])).toEqual(['drop', 'drop']);
  });

  it('waits as long as Retry-After asks (capped by maxDelayMs)', async () => {
    script.push(problem(429, 'RATE_LIMITED', {}, { 'Retry-After': '1' }), ok(201, ORDER));
    const waits: number[] = [];
    const client = createOrdersClient({
      baseUrl,
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 60_000 },
      onRetry: (event) => void waits.push(event.retryAfterMs),
    });
    await client.createOrder(NEW_ORDER);
    expect(waits).toEqual([1000]);

    script.push(problem(503, 'UPSTREAM_UNAVAILABLE', {}, { 'Retry-After': '30' }), ok(201, ORDER));
    const capped: number[] = [];
    await createOrdersClient({
      baseUrl,
      retry: fastRetries,
      onRetry: (event) => void capped.push(event.retryAfterMs),
    }).createOrder(NEW_ORDER);
    expect(capped).toEqual([fastRetries.maxDelayMs]);
  });

  it.each([
    [422, 'INSUFFICIENT_STOCK', { order_id: ORDER.id }],
    [402, 'PAYMENT_FAILED', { order_id: ORDER.id }],
    [409, 'IDEMPOTENCY_CONFLICT', {}],
    [504, 'ORDER_TIMED_OUT', { order_id: ORDER.id }],
    [400, 'items.0.quantity: must be at least 1', {}],
  ])('does not repeat a final %i %s, and throws it typed', async (status, detail, extra) => {
    script.push(problem(status, detail, extra));
    const error = await createOrdersClient({ baseUrl, retry: fastRetries })
      .createOrder(NEW_ORDER)
      .catch((caught: unknown) => caught);
    expect(received).toHaveLength(1);
    expect(error).toBeInstanceOf(OrderApiError);
    expect(error).toMatchObject({
      operation: 'createOrder',
      status,
      detail,
      orderId: 'order_id' in extra ? ORDER.id : undefined,
      requestId: 'req-1',
    });
  });

  it('gives up after the policy’s repeats with the last answer', async () => {
    for (let i = 0; i < 4; i++) script.push(problem(503, 'UPSTREAM_UNAVAILABLE', { order_id: ORDER.id }));
    const error = await createOrdersClient({ baseUrl, retry: fastRetries })
      .createOrder(NEW_ORDER)
      .catch((caught: unknown) => caught);
    expect(received).toHaveLength(fastRetries.retries + 1);
    expect(error).toMatchObject({ status: 503, detail: 'UPSTREAM_UNAVAILABLE', orderId: ORDER.id });
  });

  it('stops waiting when the caller aborts', async () => {
    script.push(problem(503, 'UPSTREAM_UNAVAILABLE', {}, { 'Retry-After': '60' }), ok(201, ORDER));
    const controller = new AbortController();
    const client = createOrdersClient({
      baseUrl,
      retry: { retries: 3, minDelayMs: 1, maxDelayMs: 60_000 },
      onRetry: () => controller.abort(new Error('caller gave up')),
    });
    await expect(client.createOrder(NEW_ORDER, { signal: controller.signal })).rejects.toThrow(
      'caller gave up',
    );
    expect(received).toHaveLength(1);
  });

  it('names the status when the body is not problem+json (a proxy’s page)', async () => {
    script.push({ status: 502, body: '<html>Bad Gateway</html>', headers: { 'Content-Type': 'text/html' } });
    const error = await createOrdersClient({ baseUrl, retry: fastRetries })
      .createOrder(NEW_ORDER)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, detail: 'HTTP_502', orderId: undefined });
  });
});

describe('reads and cancel', () => {
  it('lists with the page query, and gets one order with its id encoded in the path', async () => {
    script.push(ok(200, { count: 1, page: 2, page_size: 5, results: [ORDER] }), ok(200, ORDER));
    const client = createOrdersClient({ baseUrl, headers: { 'X-Request-ID': 'mine' } });
    expect(await client.listOrders({ page: 2, page_size: 5 })).toMatchObject({ count: 1, results: [ORDER] });
    expect(await client.getOrder('a/b?c')).toEqual(ORDER);
    expect(received.map((request) => request.url)).toEqual([
      '/api/orders?page=2&page_size=5',
      '/api/orders/a%2Fb%3Fc',
    ]);
    expect(received[0]?.headers['x-request-id']).toBe('mine');
  });

  it('throws NOT_FOUND for an unknown order, without repeating', async () => {
    script.push(problem(404, 'NOT_FOUND'));
    const error = await createOrdersClient({ baseUrl, retry: fastRetries })
      .getOrder(ORDER.id)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ operation: 'getOrder', status: 404, detail: 'NOT_FOUND' });
    expect(received).toHaveLength(1);
  });

  it('cancels, repeating 409 ORDER_BUSY, with the key when one is given', async () => {
    script.push(problem(409, 'ORDER_BUSY'), ok(200, { ...ORDER, status: 'CANCELLED' }));
    const cancelled = await createOrdersClient({ baseUrl, retry: fastRetries }).cancelOrder(ORDER.id, {
      idempotencyKey: 'cancel-1',
    });
    expect(cancelled).toEqual({ order: { ...ORDER, status: 'CANCELLED' }, replayed: false });
    expect(
      received.map((request) => [request.method, request.url, request.headers['idempotency-key']]),
    ).toEqual([
      ['POST', `/api/orders/${ORDER.id}/cancel`, 'cancel-1'],
      ['POST', `/api/orders/${ORDER.id}/cancel`, 'cancel-1'],
    ]);
  });

  it('does not repeat 409 NOT_CANCELLABLE', async () => {
    script.push(problem(409, 'NOT_CANCELLABLE'));
    await expect(
      createOrdersClient({ baseUrl, retry: fastRetries }).cancelOrder(ORDER.id),
    ).rejects.toMatchObject({ detail: 'NOT_CANCELLABLE' });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['idempotency-key']).toBeUndefined();
  });
});

describe('events and webhook deliveries', () => {
  const EVENT = {
    id: '0f3c9a52-2222-4b4b-9c9c-000000000001',
    type: 'order.created',
    order_id: ORDER.id,
    sequence: 1,
    created_at: ORDER.created_at,
    data: { ...ORDER, status: 'PENDING' },
  };
  const DELIVERY = {
    id: '7a7a7a7a-3333-4c4c-8d8d-000000000001',
    event_id: EVENT.id,
    event_type: EVENT.type,
    order_id: ORDER.id,
    endpoint: 'https://hooks.example.test/orders',
    status: 'PENDING',
    attempts: 4,
    next_attempt_at: '2026-11-25T10:05:00.000Z',
  };

  it('lists the feed from a cursor with a limit, and from the start without a query', async () => {
    script.push(
      ok(200, { results: [EVENT], next_cursor: 'c2' }),
      ok(200, { results: [], next_cursor: 'c0' }),
    );
    const client = createOrdersClient({ baseUrl });
    expect(await client.listEvents({ after: 'c1', limit: 50 })).toEqual({
      results: [EVENT],
      next_cursor: 'c2',
    });
    expect(await client.listEvents()).toEqual({ results: [], next_cursor: 'c0' });
    expect(received.map((request) => [request.method, request.url])).toEqual([
      ['GET', '/api/events?after=c1&limit=50'],
      ['GET', '/api/events'],
    ]);
  });

  it('repeats a 503 and a 429 of the feed, and throws a 400 (a cursor it did not hand out) at once', async () => {
    script.push(
      problem(503, 'SERVICE_UNAVAILABLE'),
      problem(429, 'RATE_LIMITED', {}, { 'Retry-After': '0' }),
      ok(200, { results: [EVENT], next_cursor: 'c2' }),
    );
    const client = createOrdersClient({ baseUrl, retry: fastRetries });
    expect((await client.listEvents({ limit: 1 })).results).toEqual([EVENT]);
    expect(received).toHaveLength(3);

    script.push(problem(400, 'after: is not a cursor this feed handed out'));
    await expect(client.listEvents({ after: 'forged' })).rejects.toMatchObject({
      operation: 'listEvents',
      status: 400,
      detail: 'after: is not a cursor this feed handed out',
    });
    expect(received).toHaveLength(4);
  });

  it("gets one order's events with its id encoded in the path, and throws NOT_FOUND without repeating", async () => {
    script.push(ok(200, { results: [EVENT] }), problem(404, 'NOT_FOUND'));
    const client = createOrdersClient({ baseUrl, retry: fastRetries });
    expect(await client.getOrderEvents(ORDER.id)).toEqual({ results: [EVENT] });
    await expect(client.getOrderEvents('a/b')).rejects.toMatchObject({
      operation: 'getOrderEvents',
      status: 404,
      detail: 'NOT_FOUND',
      requestId: 'req-1',
    });
    expect(received.map((request) => [request.method, request.url])).toEqual([
      ['GET', `/api/orders/${ORDER.id}/events`],
      ['GET', '/api/orders/a%2Fb/events'],
    ]);
  });

  it('lists webhook deliveries with the filters as query, repeating a 503', async () => {
    script.push(problem(503, 'SERVICE_UNAVAILABLE'), ok(200, { results: [DELIVERY] }));
    const client = createOrdersClient({ baseUrl, retry: fastRetries });
    expect(await client.listWebhookDeliveries({ status: 'FAILED', limit: 5 })).toEqual({
      results: [DELIVERY],
    });
    expect(received.map((request) => [request.method, request.url])).toEqual([
      ['GET', '/api/webhook-deliveries?status=FAILED&limit=5'],
      ['GET', '/api/webhook-deliveries?status=FAILED&limit=5'],
    ]);
  });

  it('retries a webhook delivery with a bodiless POST and returns the delivery the 202 carries', async () => {
    script.push(problem(503, 'SERVICE_UNAVAILABLE'), ok(202, DELIVERY));
    const client = createOrdersClient({ baseUrl, retry: fastRetries });
    expect(await client.retryWebhookDelivery(DELIVERY.id)).toEqual(DELIVERY);
    expect(received.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/api/webhook-deliveries/${DELIVERY.id}/retry`, ''],
      ['POST', `/api/webhook-deliveries/${DELIVERY.id}/retry`, ''],
    ]);
  });

  it.each([
    [409, 'DELIVERY_NOT_FAILED'],
    [409, 'WEBHOOK_ENDPOINT_UNKNOWN'],
    [404, 'NOT_FOUND'],
  ])('does not repeat a %i %s of a delivery retry, and throws it typed', async (status, detail) => {
    script.push(problem(status, detail));
    const error = await createOrdersClient({ baseUrl, retry: fastRetries })
      .retryWebhookDelivery(DELIVERY.id)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OrderApiError);
    expect(error).toMatchObject({ operation: 'retryWebhookDelivery', status, detail });
    expect(received).toHaveLength(1);
  });
});
