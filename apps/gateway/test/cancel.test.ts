import { createLogger } from '@oos/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecoveryWorker } from '../src/recovery/worker.ts';
import { invariantViolations } from './invariants.ts';
import { FAST_RECOVERY } from './services.ts';
import { availableModes, DECLINE_ABOVE_CENTS, type System, startSystem } from './system.ts';

const modes = await availableModes();
const order = { items: [{ sku: 'SKU1', quantity: 2 }], amount_cents: 1500, currency: 'EUR' };

describe.each(modes)('POST /api/orders/{id}/cancel (%s)', (mode) => {
  let system: System;
  const stockSet = { SKU1: 100, SKU2: 1 };
  const dbs = () => ({
    gateway: system.gatewayDb,
    inventory: system.inventoryDb,
    payments: system.paymentsDb,
  });
  const cancel = (id: string, headers: Record<string, string> = {}, path = `/api/orders/${id}/cancel/`) =>
    system.request('POST', path, { headers });

  beforeAll(async () => {
    system = await startSystem(mode, { gatePayments: true, leaseMs: 1000 });
    for (const [sku, quantity] of Object.entries(stockSet)) await system.setStock(sku, quantity);
  });
  afterAll(async () => {
    system.gate?.open();
    await system?.close();
  });

  it('CONFIRMED → refund + release → 200 CANCELLED; again → 200 same body; the create key then answers 409 ORDER_CANCELLED', async () => {
    const first = await system.create(order, { 'Idempotency-Key': 'to-cancel' });
    expect(first.status).toBe(201);
    const id = String(Object(first.json).id);
    expect(await system.stock('SKU1')).toBe(98);

    const answer = await cancel(id, {}, `/api/orders/${id}/cancel`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      id,
      status: 'CANCELLED',
      transaction_id: Object(first.json).transaction_id,
    });
    expect(await system.stock('SKU1')).toBe(100);
    expect(await system.authorizedCharges()).toBe(0);

    const again = await cancel(id);
    expect(again.status).toBe(200);
    expect(again.text).toBe(answer.text);
    const replay = await system.create(order, { 'Idempotency-Key': 'to-cancel' });
    expect(replay.status).toBe(200); // the create's own final answer was stored first
    expect(await invariantViolations(dbs(), stockSet)).toEqual([]);
  });

  it('FAILED → 409 NOT_CANCELLABLE; unknown and non-UUID → 404', async () => {
    const declined = await system.create({ ...order, amount_cents: DECLINE_ABOVE_CENTS + 1 });
    expect(declined.status).toBe(402);
    const id = String(Object(declined.json).order_id);
    const answer = await cancel(id);
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({ detail: 'NOT_CANCELLABLE' });
    expect((await cancel('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await cancel('not-a-uuid')).json).toEqual({ detail: 'NOT_FOUND' });
    expect(await invariantViolations(dbs(), stockSet)).toEqual([]);
  });

  it('accepts Idempotency-Key (scope cancel): replay with Idempotent-Replay, another order with the key → 409 CONFLICT', async () => {
    const one = String(Object((await system.create(order)).json).id);
    const two = String(Object((await system.create(order)).json).id);
    const answer = await cancel(one, { 'Idempotency-Key': 'cancel-key' });
    expect(answer.status).toBe(200);
    const replay = await cancel(one, { 'Idempotency-Key': 'cancel-key' });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(replay.text).toBe(answer.text);
    const conflict = await cancel(two, { 'Idempotency-Key': 'cancel-key' });
    expect(conflict.status).toBe(409);
    expect(conflict.json).toEqual({ detail: 'IDEMPOTENCY_CONFLICT' });
    expect(await invariantViolations(dbs(), stockSet)).toEqual([]);
  });

  it('409 ORDER_BUSY + Retry-After: 1 while the saga holds the order; afterwards the cancel wins', async () => {
    const gate = system.gate;
    if (!gate) throw new Error('no gate');
    gate.close();
    const running = system.create(order);
    let id: string | undefined;
    for (let i = 0; i < 1000 && id === undefined; i += 1) {
      const pending = await system.gatewayDb.order.findFirst({
        where: { status: 'PENDING', chargeInDoubt: true },
      });
      id = pending?.id;
      if (!id) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (!id) throw new Error('the saga never reached the charge');
    const busy = await cancel(id);
    expect(busy.status).toBe(409);
    expect(busy.json).toEqual({ detail: 'ORDER_BUSY' });
    expect(busy.headers.get('retry-after')).toBe('1');
    gate.open();
    expect((await running).status).toBe(201);
    const answer = await cancel(id);
    expect(answer.json).toMatchObject({ status: 'CANCELLED' });
    expect(await invariantViolations(dbs(), stockSet)).toEqual([]);
  });

  it('PENDING with payments down: stock released, 503 recorded; the worker completes it; the create key answers 409 ORDER_CANCELLED', async () => {
    await system.stopPayments();
    const down = await system.create(order, { 'Idempotency-Key': 'pending-then-cancel' });
    expect(down.status).toBe(503);
    const id = String(Object(down.json).order_id);
    const answer = await cancel(id);
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({ detail: 'UPSTREAM_UNAVAILABLE', order_id: id });
    const recorded = await system.gatewayDb.order.findUniqueOrThrow({ where: { id } });
    expect(recorded).toMatchObject({ status: 'PENDING', cancelRequested: true, released: true });
    expect((await cancel(id)).status).toBe(503);

    await system.restartPayments();
    const worker = createRecoveryWorker({
      db: system.gatewayDb,
      statements: system.gatewayStatements,
      upstreams: system.upstreams,
      logger: createLogger({ service: 'gateway', level: 'error' }),
      config: { ...FAST_RECOVERY, maxBackoffMs: 1000 },
    });
    worker.start();
    try {
      for (let i = 0; i < 600; i += 1) {
        const now = await system.gatewayDb.order.findUniqueOrThrow({ where: { id } });
        if (now.status !== 'PENDING') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await worker.stop();
    }
    const after = await cancel(id);
    expect(after.status).toBe(200);
    expect(after.json).toMatchObject({ id, status: 'CANCELLED' });
    const createRetry = await system.create(order, { 'Idempotency-Key': 'pending-then-cancel' });
    expect(createRetry.status).toBe(409);
    expect(createRetry.json).toEqual({ detail: 'ORDER_CANCELLED', order_id: id });
    expect(await invariantViolations(dbs(), stockSet)).toEqual([]);
  });
});
