import { OrderApiError, type RetryEvent } from '@oos/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './services.ts';
import { availableModes, DECLINE_ABOVE_CENTS, type System, startSystem } from './system.ts';

const modes = await availableModes();
const order = (sku = 'SDK1', quantity = 2, amount_cents = 1500) => ({
  items: [{ sku, quantity }],
  amount_cents,
  currency: 'EUR',
});

/** What a failed call threw, for asserting on it. */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => error,
  );

describe.each(modes)('the TypeScript SDK against the gateway (%s)', (mode) => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem(mode, { gatePayments: true });
    await system.setStock('SDK1', 100);
    await system.setStock('SDKLOW', 1);
  });
  afterAll(async () => {
    system.gate?.open();
    await system?.close();
  });
  const keyedOrderId = async (key: string) =>
    (
      await system.gatewayDb.idempotencyKey.findUniqueOrThrow({
        where: { scope_key: { scope: 'create', key } },
      })
    ).orderId;

  it('creates, replays, lists, reads and cancels an order', async () => {
    const sdk = system.sdk();
    const created = await sdk.createOrder(order('sdk1'), { idempotencyKey: 'sdk-main' });
    expect(created).toMatchObject({ replayed: false, idempotencyKey: 'sdk-main' });
    expect(created.order).toMatchObject({
      status: 'CONFIRMED',
      items: [{ sku: 'SDK1', quantity: 2 }],
      amount_cents: 1500,
      currency: 'EUR',
      transaction_id: expect.any(String),
    });
    expect(await system.stock('SDK1')).toBe(98);

    const replay = await sdk.createOrder(order('sdk1'), { idempotencyKey: 'sdk-main' });
    expect(replay).toEqual({ order: created.order, replayed: true, idempotencyKey: 'sdk-main' });

    const page = await sdk.listOrders({ page: 1, page_size: 100 });
    expect(page.results.map((listed) => listed.id)).toContain(created.order.id);
    expect(await sdk.getOrder(created.order.id)).toEqual(created.order);

    const charges = await system.authorizedCharges();
    const cancelled = await sdk.cancelOrder(created.order.id, { idempotencyKey: 'sdk-cancel' });
    expect(cancelled).toEqual({
      order: { ...created.order, status: 'CANCELLED', updated_at: expect.any(String) },
      replayed: false,
    });
    expect(await system.stock('SDK1')).toBe(100);
    expect(await system.authorizedCharges()).toBe(charges - 1);
    const again = await sdk.cancelOrder(created.order.id, { idempotencyKey: 'sdk-cancel' });
    expect(again).toEqual({ order: cancelled.order, replayed: true });
  });

  it('throws typed errors carrying detail and order_id', async () => {
    const sdk = system.sdk({ retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 } });
    const short = await failure(sdk.createOrder(order('SDKLOW', 5)));
    expect(short).toBeInstanceOf(OrderApiError);
    expect(short).toMatchObject({ status: 422, detail: 'INSUFFICIENT_STOCK', requestId: expect.any(String) });
    const shortId = short instanceof OrderApiError ? short.orderId : undefined;
    expect(await sdk.getOrder(String(shortId))).toMatchObject({
      status: 'FAILED',
      failure_reason: 'INSUFFICIENT_STOCK',
    });

    const declined = await failure(sdk.createOrder(order('SDK1', 1, DECLINE_ABOVE_CENTS + 1)));
    expect(declined).toMatchObject({ status: 402, detail: 'PAYMENT_FAILED', orderId: expect.any(String) });
    expect(await system.stock('SDK1')).toBe(100);
    const declinedId = declined instanceof OrderApiError ? String(declined.orderId) : '';
    expect(await failure(sdk.cancelOrder(declinedId))).toMatchObject({
      status: 409,
      detail: 'NOT_CANCELLABLE',
    });

    await sdk.createOrder(order(), { idempotencyKey: 'sdk-conflict' });
    expect(
      await failure(sdk.createOrder(order('SDK1', 3), { idempotencyKey: 'sdk-conflict' })),
    ).toMatchObject({
      status: 409,
      detail: 'IDEMPOTENCY_CONFLICT',
    });
    const invalid = await failure(sdk.createOrder({ ...order(), currency: 'CHF' }));
    expect(invalid).toMatchObject({ status: 400, detail: expect.stringContaining('currency') });
    expect(await failure(sdk.getOrder('00000000-0000-4000-8000-000000000000'))).toMatchObject({
      status: 404,
      detail: 'NOT_FOUND',
    });
  });

  it('repeats 409 IDEMPOTENCY_IN_PROGRESS with the same key and gets the first request’s order', async () => {
    const gate = system.gate;
    if (!gate) throw new Error('the payments gate is missing');
    const key = `sdk-in-progress-${mode}`;
    const ordersBefore = await system.gatewayDb.order.count();
    gate.close();
    const before = gate.received;
    // The first create with the key waits inside its charge.
    const first = system.sdk().createOrder(order(), { idempotencyKey: key });
    await until(() => gate.received > before);

    const events: RetryEvent[] = [];
    const second = await system
      .sdk({
        // As many repeats as the test's timeout allows: a slow machine only takes more of them.
        retry: { retries: 1000, minDelayMs: 1, maxDelayMs: 50 },
        onRetry: (event) => {
          events.push(event);
          gate.open();
        },
      })
      .createOrder(order(), { idempotencyKey: key });
    const firstAnswer = await first;

    expect(
      events.map((event) => (event.error instanceof OrderApiError ? event.error.detail : event.error)),
    ).toContain('IDEMPOTENCY_IN_PROGRESS');
    expect(events.every((event) => event.idempotencyKey === key)).toBe(true);
    expect(second.order).toEqual(firstAnswer.order);
    expect(second.replayed).toBe(true);
    expect(await keyedOrderId(key)).toBe(firstAnswer.order.id);
    expect(await system.gatewayDb.order.count()).toBe(ordersBefore + 1);
    expect(await system.paymentsDb.charge.count({ where: { orderId: firstAnswer.order.id } })).toBe(1);
  });

  it('repeats a 503 with the same key once payments is back: one order, charged once', async () => {
    const key = `sdk-outage-${mode}`;
    const ordersBefore = await system.gatewayDb.order.count();
    await system.stopPayments();
    const events: RetryEvent[] = [];
    const created = await system
      .sdk({
        retry: { retries: 1000, minDelayMs: 1, maxDelayMs: 50 },
        onRetry: async (event) => {
          events.push(event);
          if (events.length === 1) await system.restartPayments();
        },
      })
      .createOrder(order(), { idempotencyKey: key });

    expect(events[0]?.error).toMatchObject({
      status: 503,
      detail: 'UPSTREAM_UNAVAILABLE',
      orderId: created.order.id,
    });
    expect(created.order.status).toBe('CONFIRMED');
    expect(await keyedOrderId(key)).toBe(created.order.id);
    expect(await system.gatewayDb.order.count()).toBe(ordersBefore + 1);
    expect(await system.paymentsDb.charge.count({ where: { orderId: created.order.id } })).toBe(1);
  });
});
