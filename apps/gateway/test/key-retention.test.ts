import { createLogger } from '@oos/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecoveryWorker } from '../src/recovery/worker.ts';
import { FAST_RECOVERY } from './services.ts';
import { availableModes, type System, startSystem } from './system.ts';

const modes = await availableModes();
const order = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

describe.each(modes)('retention of idempotency keys and order events (%s)', (mode) => {
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
      statements: system.gatewayStatements,
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

  it('the worker deletes events past EVENT_RETENTION_DAYS that no delivery waits for, and keeps the rest', async () => {
    const ids = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push(String(Object((await system.create(order)).json).id));
    }
    const [delivered, waiting, recent] = ids as [string, string, string];
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    await system.gatewayDb.orderEvent.updateMany({
      where: { orderId: { in: [delivered, waiting] } },
      data: { createdAt: longAgo },
    });
    const endpointUrl = 'https://receiver.example/hooks';
    const delivery = (orderId: string, status: 'DELIVERED' | 'PENDING') => ({
      endpointUrl,
      orderId,
      sequence: 2,
      status,
      nextAttemptAt: longAgo,
      giveUpAt: new Date(Date.now() + 86_400_000),
    });
    await system.gatewayDb.webhookDelivery.createMany({
      data: [delivery(delivered, 'DELIVERED'), delivery(waiting, 'PENDING')],
    });
    const worker = createRecoveryWorker({
      db: system.gatewayDb,
      statements: system.gatewayStatements,
      upstreams: system.upstreams,
      logger: createLogger({ service: 'gateway', level: 'error' }),
      config: { ...FAST_RECOVERY, eventRetentionDays: 30 },
    });
    const pass = await worker.runOnce();
    await worker.stop();
    // Old events go (the delivered one with its delivery), except the one a delivery still waits for; recent ones stay.
    const left = await system.gatewayDb.orderEvent.findMany({
      where: { orderId: { in: ids } },
      select: { orderId: true, sequence: true },
      orderBy: [{ orderId: 'asc' }, { sequence: 'asc' }],
    });
    expect(pass.eventsSwept).toBe(3);
    expect(left).toEqual(
      [
        { orderId: waiting, sequence: 2 },
        { orderId: recent, sequence: 1 },
        { orderId: recent, sequence: 2 },
      ].sort((a, b) => a.orderId.localeCompare(b.orderId) || a.sequence - b.sequence),
    );
    expect(await system.gatewayDb.webhookDelivery.count({ where: { orderId: delivered } })).toBe(0);
    expect(await system.gatewayDb.order.count({ where: { id: { in: ids } } })).toBe(3);
  });
});
