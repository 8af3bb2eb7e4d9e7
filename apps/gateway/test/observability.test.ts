import { afterEach, describe, expect, it } from 'vitest';
import { type CapturedLines, captureLines } from './capture-lines.ts';
import { changes, scrape } from './prometheus-text.ts';
import { eventually } from './services.ts';
import { DECLINE_ABOVE_CENTS, type System, startSystem } from './system.ts';

const ORDER = { items: [{ sku: 'OBS-1', quantity: 2 }], amount_cents: 1500, currency: 'EUR' };
const json = { 'Content-Type': 'application/json' };

function parsed(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.map((line) => {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`not an object: ${line}`);
    return Object.fromEntries(Object.entries(value));
  });
}

describe('observability of the three services', () => {
  let system: System | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  it('counts exactly what a known sequence of requests did, in every app', async () => {
    const started = await startSystem('embedded', {
      // Four creates pass, the fifth is refused; Redis is not configured, so the limiter counts in memory.
      edgeEnv: { RATE_LIMIT_CREATE: '4' },
    });
    system = started;
    const urls = { gateway: started.url, ...started.serviceUrls };
    const families = {
      gateway: [
        'http_request_duration_seconds_count',
        'orders_created_total',
        'order_transitions_total',
        'payments_failed_total',
        'idempotency_replays_total',
        'rate_limited_total',
        'upstream_request_duration_seconds_count',
        'upstream_retries_total',
        'recovery_runs_total',
        'recovery_orders_total',
      ],
      inventory: [
        'http_request_duration_seconds_count',
        'reservations_total',
        'releases_total',
        'stock_set_total',
      ],
      payments: ['http_request_duration_seconds_count', 'charges_total', 'refunds_total'],
    };
    const before = {
      gateway: await scrape(urls.gateway),
      inventory: await scrape(urls.inventory),
      payments: await scrape(urls.payments),
    };

    await started.setStock('OBS-1', 4);
    const confirmed = await started.create(ORDER, { 'Idempotency-Key': 'obs-confirmed' });
    expect(confirmed.status).toBe(201);
    expect((await started.create({ ...ORDER, items: [{ sku: 'OBS-1', quantity: 5 }] })).status).toBe(422);
    expect((await started.create({ ...ORDER, amount_cents: DECLINE_ABOVE_CENTS + 1 })).status).toBe(402);
    const replay = await started.create(ORDER, { 'Idempotency-Key': 'obs-confirmed' });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect((await started.create(ORDER)).status).toBe(429);

    const after = {
      gateway: await scrape(urls.gateway),
      inventory: await scrape(urls.inventory),
      payments: await scrape(urls.payments),
    };
    const http = (route: string, status: number, method = 'POST') =>
      `http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`;
    const upstream = (name: string, procedure: string, outcome: string) =>
      `upstream_request_duration_seconds_count{outcome="${outcome}",procedure="${procedure}",upstream="${name}"}`;

    expect(changes(before.gateway, after.gateway, families.gateway)).toEqual({
      [http('/api/orders', 201)]: 1,
      [http('/api/orders', 422)]: 1,
      [http('/api/orders', 402)]: 1,
      [http('/api/orders', 200)]: 1,
      [http('/api/orders', 429)]: 1,
      'orders_created_total{status="CONFIRMED"}': 1,
      'orders_created_total{status="FAILED"}': 2,
      'order_transitions_total{from="PENDING",to="CONFIRMED"}': 1,
      'order_transitions_total{from="PENDING",to="FAILED"}': 2,
      payments_failed_total: 1,
      idempotency_replays_total: 1,
      'rate_limited_total{scope="create"}': 1,
      [upstream('inventory', 'reserve', 'success')]: 2,
      [upstream('inventory', 'reserve', 'domain_error')]: 1,
      [upstream('inventory', 'release', 'success')]: 1,
      [upstream('payments', 'charge', 'success')]: 1,
      [upstream('payments', 'charge', 'domain_error')]: 1,
    });
    expect(after.gateway.get('circuit_breaker_state{upstream="inventory"}')).toBe(0);
    expect(after.gateway.get('circuit_breaker_state{upstream="payments"}')).toBe(0);
    expect(after.gateway.get('orders_pending')).toBe(0);
    const openapi = await started.request('GET', '/openapi.json');
    expect(Object.keys(Object(Reflect.get(Object(openapi.json), 'paths')))).not.toContain('/metrics');
    expect(openapi.text).not.toContain('/metrics');

    expect(changes(before.inventory, after.inventory, families.inventory)).toEqual({
      [http('/trpc/setStock', 200)]: 1,
      [http('/trpc/reserve', 200)]: 2,
      [http('/trpc/reserve', 422)]: 1,
      [http('/trpc/release', 200)]: 1,
      'reservations_total{outcome="reserved"}': 2,
      'reservations_total{outcome="insufficient_stock"}': 1,
      'releases_total{outcome="released"}': 1,
      stock_set_total: 1,
    });
    expect(changes(before.payments, after.payments, families.payments)).toEqual({
      [http('/trpc/charge', 200)]: 1,
      [http('/trpc/charge', 402)]: 1,
      'charges_total{outcome="authorized"}': 1,
      'charges_total{outcome="declined"}': 1,
    });
  });

  it('logs one order in all three services as JSON lines under one request id, never with the token', async () => {
    const token = 'obs-internal-token-7f3a9c';
    const logs: Record<'gateway' | 'inventory' | 'payments', CapturedLines> = {
      gateway: captureLines('gateway'),
      inventory: captureLines('inventory'),
      payments: captureLines('payments'),
    };
    const started = await startSystem('embedded', {
      internalToken: token,
      loggers: {
        gateway: logs.gateway.logger,
        inventory: logs.inventory.logger,
        payments: logs.payments.logger,
      },
    });
    system = started;
    await started.setStock('OBS-1', 10);
    const requestId = 'obs-order-flow-1';
    const created = await started.create(ORDER, { 'X-Request-ID': requestId, 'Idempotency-Key': 'obs-log' });
    expect(created.status).toBe(201);
    const orderId = String(Reflect.get(Object(created.json), 'id'));
    const cancelled = await started.request('POST', `/api/orders/${orderId}/cancel/`, {
      headers: { ...json, 'X-Request-ID': 'obs-cancel-1' },
    });
    expect(cancelled.status).toBe(200);
    expect((await started.request('GET', `/api/orders/${orderId}/`)).status).toBe(200);

    const entries = {
      gateway: parsed(logs.gateway.lines),
      inventory: parsed(logs.inventory.lines),
      payments: parsed(logs.payments.lines),
    };
    const ofRequest = (service: keyof typeof entries) =>
      entries[service].filter((entry) => entry.request_id === requestId);

    expect(ofRequest('gateway')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ message: 'request', route: '/api/orders', method: 'POST', status: 201 }),
        expect.objectContaining({
          message: 'order transition',
          order_id: orderId,
          from: 'PENDING',
          to: 'CONFIRMED',
          reason: 'CHARGED',
        }),
        expect.objectContaining({
          message: 'upstream attempt',
          upstream: 'inventory',
          procedure: 'reserve',
          attempt: 1,
          outcome: 'success',
        }),
        expect.objectContaining({ message: 'upstream attempt', upstream: 'payments', procedure: 'charge' }),
      ]),
    );
    expect(ofRequest('inventory')).toEqual([
      expect.objectContaining({
        service: 'inventory',
        message: 'request',
        route: '/trpc/reserve',
        status: 200,
      }),
    ]);
    expect(ofRequest('payments')).toEqual([
      expect.objectContaining({
        service: 'payments',
        message: 'request',
        route: '/trpc/charge',
        status: 200,
      }),
    ]);
    expect(entries.gateway).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: 'order transition',
          request_id: 'obs-cancel-1',
          from: 'CONFIRMED',
          to: 'CANCELLED',
        }),
      ]),
    );

    const everyLine = [...logs.gateway.lines, ...logs.inventory.lines, ...logs.payments.lines];
    expect(everyLine.length).toBeGreaterThan(10);
    for (const line of everyLine) expect(line).not.toContain(token);
  });

  it('shows a breaker opening in circuit_breaker_state and in a log line', async () => {
    const logs = captureLines('gateway');
    const started = await startSystem('embedded', {
      resilience: {
        retryMax: 1,
        breakerVolumeThreshold: 2,
        breakerErrorThresholdPercent: 50,
        breakerResetMs: 60_000,
      },
      loggers: { gateway: logs.logger },
    });
    system = started;
    await started.setStock('OBS-1', 100);
    await started.stopPayments();

    const opened = await eventually(
      async () => {
        expect((await started.create(ORDER)).status).toBe(503);
        return started.upstreams.states().payments === 'open' ? true : undefined;
      },
      { attempts: 10, pauseMs: 0 },
    );
    expect(opened).toBe(true);

    const metrics = await scrape(started.url);
    expect(metrics.get('circuit_breaker_state{upstream="payments"}')).toBe(1);
    expect(metrics.get('circuit_breaker_state{upstream="inventory"}')).toBe(0);
    expect(metrics.get('orders_pending')).toBeGreaterThan(0);
    expect(parsed(logs.lines)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'warn',
          message: 'circuit breaker state changed',
          upstream: 'payments',
          from: 'closed',
          to: 'open',
        }),
      ]),
    );
  });
});
