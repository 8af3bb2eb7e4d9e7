import { createLogger } from '@oos/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecoveryWorker } from '../src/recovery/worker.ts';
import { FAST_RECOVERY, until } from './services.ts';
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

describe.each(modes)('a create that outlives its lease (%s)', (mode) => {
  let system: System;
  const leaseMs = 200;
  beforeAll(async () => {
    system = await startSystem(mode, { gatePayments: true, leaseMs });
    await system.setStock('SKU1', 100);
  });
  afterAll(async () => {
    system.gate?.open();
    await system?.close();
  });

  it('is answered by the state the recovery worker left the order in, never a 500; one charge', async () => {
    const gate = system.gate;
    if (!gate) throw new Error('the system has no payments gate');
    gate.close();
    const key = 'outlived-its-lease';
    const creating = system.create(order, { 'Idempotency-Key': key });
    await until(() => gate.held === 1);
    const pending = await system.gatewayDb.order.findFirstOrThrow({ where: { status: 'PENDING' } });
    // The lease and the worker's backoff (one lease after the first attempt) run out while the charge is held.
    await until(async () => {
      const row = await system.gatewayDb.order.findUniqueOrThrow({ where: { id: pending.id } });
      return row.lockedUntil !== null && Date.now() > row.lockedUntil.getTime() + leaseMs;
    });
    const worker = createRecoveryWorker({
      db: system.gatewayDb,
      statements: system.gatewayStatements,
      upstreams: system.upstreams,
      logger: createLogger({ service: 'gateway', level: 'error' }),
      config: { ...FAST_RECOVERY, leaseMs },
    });
    const pass = worker.runOnce();
    // The worker took the order over and its own charge (same derived key) is held beside the request's.
    await until(() => gate.held === 2);
    gate.open();
    const [answer, worked] = await Promise.all([creating, pass]);
    await worker.stop();
    expect(worked.worked).toEqual([{ orderId: pending.id, status: 'CONFIRMED' }]);
    // Whichever finished first, the request answers what the order is: confirmed, or (if it looked before the
    // worker's final write) 503 with the order id, and a retry with its key then replays the confirmation.
    expect([201, 503]).toContain(answer.status);
    const retry = await system.create(order, { 'Idempotency-Key': key });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replay')).toBe('true');
    expect(Object(retry.json)).toMatchObject({ id: pending.id, status: 'CONFIRMED' });
    expect(await system.authorizedCharges()).toBe(1);
  });
});
