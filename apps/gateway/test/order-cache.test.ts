import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisForTests, testRedisUrl } from '../src/edge/testing.ts';
import { type System, startSystem } from './system.ts';

const hasRedis = await redisForTests();
const ORDER = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

describe.runIf(hasRedis)('GET /api/orders/{id}/ cached in Redis', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem('embedded', {
      edgeEnv: { REDIS_URL: testRedisUrl() },
      orderCacheRedisUrl: testRedisUrl(),
    });
    await system.setStock('SKU1', 100);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('reports redis ok in readiness', async () => {
    const ready = await system.request('GET', '/ready/');
    expect(ready.json).toMatchObject({ ok: true, components: { redis: 'ok' } });
  });

  it('serves repeated reads of a finished order from the cache, and the new status right after a cancel', async () => {
    const created = await system.create(ORDER, { 'Idempotency-Key': `cache-${Date.now()}` });
    expect(created.status).toBe(201);
    const { id } = created.json as { id: string };

    expect((await system.request('GET', `/api/orders/${id}/`)).json).toMatchObject({ status: 'CONFIRMED' });
    // A write behind the domain's back (no announcement) is invisible while the entry lives: the read is cached.
    await system.gatewayDb.order.update({ where: { id }, data: { amountCents: 1 } });
    expect((await system.request('GET', `/api/orders/${id}/`)).json).toMatchObject({
      status: 'CONFIRMED',
      amount_cents: 1500,
    });

    const cancelled = await system.request('POST', `/api/orders/${id}/cancel/`);
    expect(cancelled.status).toBe(200);
    const read = await system.request('GET', `/api/orders/${id}/`);
    expect(read.json).toMatchObject({ status: 'CANCELLED', amount_cents: 1 });
    expect(read.text).toBe((await system.request('GET', `/api/orders/${id}/`)).text);
  });

  it('never serves a PENDING order from the cache: the write that finishes it is seen at once', async () => {
    await system.stopPayments();
    const key = `cache-pending-${Date.now()}`;
    const interrupted = await system.create(ORDER, { 'Idempotency-Key': key });
    expect(interrupted.status).toBe(503);
    const { order_id: id } = interrupted.json as { order_id: string };
    expect((await system.request('GET', `/api/orders/${id}/`)).json).toMatchObject({ status: 'PENDING' });
    await system.gatewayDb.order.update({ where: { id }, data: { amountCents: 2 } });
    expect((await system.request('GET', `/api/orders/${id}/`)).json).toMatchObject({ amount_cents: 2 });

    await system.restartPayments();
    expect((await system.create(ORDER, { 'Idempotency-Key': key })).status).toBe(201);
    expect((await system.request('GET', `/api/orders/${id}/`)).json).toMatchObject({ status: 'CONFIRMED' });
  });
});
