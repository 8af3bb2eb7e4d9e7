import { randomUUID } from 'node:crypto';
import type { Order } from '@oos/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { capturingLogger, deadPort, redisForTests, redisUrlVia, testRedisUrl } from '../edge/testing.ts';
import { createOrderCache, type OrderCache } from './order-cache.ts';
import { orderChanged } from './order-changes.ts';

const hasRedis = await redisForTests();

function order(id: string, status: Order['status']): Order {
  const at = new Date().toISOString();
  return {
    id,
    status,
    items: [{ sku: 'SKU1', quantity: 1 }],
    amount_cents: 100,
    currency: 'EUR',
    created_at: at,
    updated_at: at,
  };
}

/** A stand-in database row and a loader that counts how often the cache fell through to it. */
function row(initial: Order) {
  const state = { current: initial, loads: 0 };
  const load = async () => {
    state.loads += 1;
    return state.current;
  };
  return { state, load };
}

const caches: OrderCache[] = [];
const cacheAt = async (redisUrl: string | undefined) => {
  const cache = createOrderCache({
    redisUrl,
    logger: capturingLogger().logger,
    keyPrefix: `test:${randomUUID()}:`,
  });
  caches.push(cache);
  await cache.ready();
  return cache;
};
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

describe('order cache without Redis', () => {
  it('reads the database every time', async () => {
    const cache = await cacheAt(undefined);
    const { state, load } = row(order(randomUUID(), 'PENDING'));
    await cache.read(state.current.id, load);
    await cache.read(state.current.id, load);
    expect(state.loads).toBe(2);
  });
});

describe.runIf(hasRedis)('order cache in Redis', () => {
  it('serves a second read from Redis, and a changed order from the database', async () => {
    const cache = await cacheAt(testRedisUrl());
    const id = randomUUID();
    const { state, load } = row(order(id, 'CONFIRMED'));
    expect(await cache.read(id, load)).toMatchObject({ status: 'CONFIRMED' });
    expect(await cache.read(id.toUpperCase(), load)).toMatchObject({ status: 'CONFIRMED' });
    expect(state.loads).toBe(1);

    state.current = order(id, 'CANCELLED');
    await orderChanged(id);
    expect(await cache.read(id, load)).toMatchObject({ status: 'CANCELLED' });
    expect(state.loads).toBe(2);
  });

  it('never keeps a PENDING order, so the writes that finish one need not announce them', async () => {
    const cache = await cacheAt(testRedisUrl());
    const id = randomUUID();
    const { state, load } = row(order(id, 'PENDING'));
    expect(await cache.read(id, load)).toMatchObject({ status: 'PENDING' });
    state.current = order(id, 'CONFIRMED');
    expect(await cache.read(id, load)).toMatchObject({ status: 'CONFIRMED' });
    expect(state.loads).toBe(2);
    expect(await cache.read(id, load)).toMatchObject({ status: 'CONFIRMED' });
    expect(state.loads).toBe(2);
  });

  it('never stores a row read before a write that was announced while the read was in flight', async () => {
    const cache = await cacheAt(testRedisUrl());
    const id = randomUUID();
    const { state } = row(order(id, 'CONFIRMED'));
    // The read loads CONFIRMED; before it stores that, the cancellation lands and is announced.
    const racing = cache.read(id, async () => {
      const seen = state.current;
      state.current = order(id, 'CANCELLED');
      await orderChanged(id);
      return seen;
    });
    expect(await racing).toMatchObject({ status: 'CONFIRMED' });
    const { load } = row(state.current);
    expect(await cache.read(id, load)).toMatchObject({ status: 'CANCELLED' });
  });

  it('does not cache unknown ids or ids that are not UUIDs', async () => {
    const cache = await cacheAt(testRedisUrl());
    let loads = 0;
    const missing = async () => {
      loads += 1;
      return undefined;
    };
    await cache.read(randomUUID(), missing);
    await cache.read('not-a-uuid', missing);
    await cache.read('not-a-uuid', missing);
    expect(loads).toBe(3);
  });

  it('reads the database when Redis is unreachable, and invalidating does not fail', async () => {
    const cache = await cacheAt(redisUrlVia(await deadPort()));
    const id = randomUUID();
    const { state, load } = row(order(id, 'PENDING'));
    expect(await cache.read(id, load)).toMatchObject({ status: 'PENDING' });
    await cache.invalidate(id);
    state.current = order(id, 'CONFIRMED');
    expect(await cache.read(id, load)).toMatchObject({ status: 'CONFIRMED' });
    expect(state.loads).toBe(2);
  });
});
