import { createLogger } from '@oos/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecoveryWorker } from '../src/recovery/worker.ts';
import { FAST_RECOVERY } from './services.ts';
import { availableModes, type System, startSystem } from './system.ts';

const modes = await availableModes();
const order = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

describe.each(modes)('idempotency key retention (%s)', (mode) => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem(mode);
    await system.setStock('SKU1', 10);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('the worker deletes keys past IDEMPOTENCY_TTL_HOURS and keeps live keys and every order', async () => {
    const old = await system.create(order, { 'Idempotency-Key': 'old-key' });
    const fresh = await system.create(order, { 'Idempotency-Key': 'fresh-key' });
    expect([old.status, fresh.status]).toEqual([201, 201]);
    await system.gatewayDb.idempotencyKey.update({
      where: { scope_key: { scope: 'create', key: 'old-key' } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const worker = createRecoveryWorker({
      db: system.gatewayDb,
      upstreams: system.upstreams,
      logger: createLogger({ service: 'gateway', level: 'error' }),
      config: FAST_RECOVERY,
    });
    const pass = await worker.runOnce();
    await worker.stop();
    expect(pass.keysSwept).toBe(1);
    const keys = await system.gatewayDb.idempotencyKey.findMany({ select: { key: true } });
    expect(keys.map(({ key }) => key)).toEqual(['fresh-key']);
    expect(await system.gatewayDb.order.count()).toBe(2);
    // A swept key is free again: the same key now starts a new order.
    const again = await system.create(order, { 'Idempotency-Key': 'old-key' });
    expect(again.status).toBe(201);
    expect(Object(again.json).id).not.toBe(Object(old.json).id);
  });
});
