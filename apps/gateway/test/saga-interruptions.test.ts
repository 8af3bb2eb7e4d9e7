import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './services.ts';
import { availableModes, type System, startSystem } from './system.ts';

const modes = await availableModes();
const order = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

describe.each(modes)('a create still running (%s)', (mode) => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem(mode, { gatePayments: true });
    await system.setStock('SKU1', 100);
  });
  afterAll(async () => {
    system.gate?.open();
    await system?.close();
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS + Retry-After: 1 for the same payload, 409 CONFLICT for another', async () => {
    const gate = system.gate;
    if (!gate) throw new Error('no gate');
    gate.close();
    const key = 'held-key';
    const first = system.create(order, { 'Idempotency-Key': key });
    await until(() => gate.held === 1, { attempts: 2000, pauseMs: 5 });

    const again = await system.create(order, { 'Idempotency-Key': key });
    expect(again.status).toBe(409);
    expect(again.headers.get('retry-after')).toBe('1');
    expect(again.text).toBe('{"detail":"IDEMPOTENCY_IN_PROGRESS"}');
    const other = await system.create({ ...order, amount_cents: 1600 }, { 'Idempotency-Key': key });
    expect(other.status).toBe(409);
    expect(other.text).toBe('{"detail":"IDEMPOTENCY_CONFLICT"}');

    gate.open();
    const answer = await first;
    expect(answer.status).toBe(201);
    const replay = await system.create(order, { 'Idempotency-Key': key });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(answer.text);
    expect(await system.authorizedCharges()).toBe(1);
  });
});

describe.each(modes)('payments down (%s)', (mode) => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem(mode);
    await system.setStock('SKU1', 10);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('answers 503 with order_id, keeps the order PENDING, and a retry after recovery confirms the same order once', async () => {
    await system.stopPayments();
    const key = 'outage-key';
    const down = await system.create(order, { 'Idempotency-Key': key });
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = Object(down.json);
    expect(Object.keys(body)).toEqual(['detail', 'order_id']);
    expect(body.detail).toBe('UPSTREAM_UNAVAILABLE');
    const orderId = String(body.order_id);

    const pending = await system.gatewayDb.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(pending).toMatchObject({ status: 'PENDING', reserved: true, charged: false, lockedUntil: null });
    expect(await system.stock('SKU1')).toBe(9);
    const detail = await system.request('GET', `/api/orders/${orderId}`);
    expect(detail.json).toMatchObject({ id: orderId, status: 'PENDING' });
    const key503 = await system.gatewayDb.idempotencyKey.findUniqueOrThrow({
      where: { scope_key: { scope: 'create', key } },
    });
    expect(key503.responseStatus).toBeNull();

    // Still down: the same order, 503 again, nothing reserved twice.
    const stillDown = await system.create(order, { 'Idempotency-Key': key });
    expect(stillDown.status).toBe(503);
    expect(Object(stillDown.json).order_id).toBe(orderId);
    expect(await system.stock('SKU1')).toBe(9);

    await system.restartPayments();
    const resumed = await system.create(order, { 'Idempotency-Key': key });
    expect(resumed.status).toBe(201);
    expect(resumed.headers.get('idempotent-replay')).toBeNull();
    expect(resumed.json).toMatchObject({
      id: orderId,
      status: 'CONFIRMED',
      transaction_id: expect.any(String),
    });
    expect(await system.stock('SKU1')).toBe(9);
    expect(await system.authorizedCharges()).toBe(1);

    const replay = await system.create(order, { 'Idempotency-Key': key });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(resumed.text);
    expect(await system.paymentsDb.charge.count()).toBe(1);
  });

  it('answers a retry of an order finished meanwhile with its final state, as a stored replay', async () => {
    await system.stopPayments();
    const key = 'finished-meanwhile';
    const down = await system.create(order, { 'Idempotency-Key': key });
    expect(down.status).toBe(503);
    const orderId = String(Object(down.json).order_id);
    // What the recovery worker will do: finish the order without the client's request.
    await system.gatewayDb.order.update({
      where: { id: orderId },
      data: { status: 'FAILED', failureReason: 'PAYMENT_FAILED', released: true },
    });
    await system.restartPayments();
    const retry = await system.create(order, { 'Idempotency-Key': key });
    expect(retry.status).toBe(402);
    expect(retry.headers.get('idempotent-replay')).toBe('true');
    expect(retry.text).toBe(`{"detail":"PAYMENT_FAILED","order_id":"${orderId}"}`);
    const again = await system.create(order, { 'Idempotency-Key': key });
    expect(again.text).toBe(retry.text);
  });
});
