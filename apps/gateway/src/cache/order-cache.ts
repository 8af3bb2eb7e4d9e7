import { type Order, orderSchema, uuidSchema } from '@oos/contracts';
import type { Logger } from '@oos/service-kit';
import { z } from 'zod';
import { createFailOpenRedis, type FailOpenRedis } from '../edge/redis.ts';
import { onOrderChange } from './order-changes.ts';

/** Short: the cache absorbs bursts of polling on one order, it is not a second database. */
export const ORDER_CACHE_TTL_MS = 5_000;
/** Longer than any entry lives, so an entry can never outlive the generation it was written under. */
const GENERATION_TTL_MS = 10 * ORDER_CACHE_TTL_MS;

export interface OrderCache {
  /** The order from the cache, or from `load` (then cached); `load` alone whenever Redis is not usable. */
  read(id: string, load: () => Promise<Order | undefined>): Promise<Order | undefined>;
  /** Makes every cached copy of the order stale; never rejects. */
  invalidate(id: string): Promise<void>;
  /** Settles once the first connection attempt to Redis has succeeded or failed; never rejects. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface OrderCacheOptions {
  /** Unset: no cache, every read goes to the database. */
  redisUrl: string | undefined;
  logger: Logger;
  /** Every replica must use the same one. */
  keyPrefix?: string;
  ttlMs?: number;
}

const entrySchema = z.object({ generation: z.string(), order: orderSchema });

/** Reads straight from the database. */
export const NO_ORDER_CACHE: OrderCache = {
  read: (_id, load) => load(),
  invalidate: async () => {},
  ready: async () => {},
  close: async () => {},
};

/**
 * Read-through cache of `GET /api/orders/{id}/` in Redis, safe against the read/write race without locks: every
 * order has a generation counter that each write bumps, every entry records the generation it was read under,
 * and an entry whose generation is no longer current is a miss. A reader that loaded the row just before a
 * write and stores it just after therefore stores an entry nobody will ever be served.
 *
 * Only orders that left PENDING are cached, so only writes to those announce a change (order-lease.ts): the
 * writes that take an order from PENDING to its outcome cost no Redis round trip.
 *
 * Redis failures never fail a read: the database answers. An invalidation that could not reach Redis is kept
 * and retried first; until it succeeds the cache is bypassed, so an outage cannot resurrect a stale entry.
 */
export function createOrderCache(options: OrderCacheOptions): OrderCache {
  if (options.redisUrl === undefined) return NO_ORDER_CACHE;
  const redis: FailOpenRedis = createFailOpenRedis(options.redisUrl, options.logger, 'order cache bypassed');
  const prefix = options.keyPrefix ?? 'oos:order:';
  const ttlMs = options.ttlMs ?? ORDER_CACHE_TTL_MS;
  const entryKey = (id: string) => `${prefix}${id}`;
  const generationKey = (id: string) => `${prefix}${id}:gen`;
  const unflushed = new Set<string>();

  const bump = async (id: string) => {
    await redis.client.multi().incr(generationKey(id)).pexpire(generationKey(id), GENERATION_TTL_MS).exec();
  };

  const flushed = async (): Promise<boolean> => {
    for (const id of [...unflushed]) {
      try {
        await bump(id);
        unflushed.delete(id);
      } catch {
        return false;
      }
    }
    return true;
  };

  const invalidate = async (id: string) => {
    const key = id.toLowerCase();
    unflushed.add(key);
    await flushed();
  };

  const unsubscribe = onOrderChange(invalidate);

  return {
    async read(id, load) {
      if (!uuidSchema.safeParse(id).success || redis.state() !== 'ok' || !(await flushed())) return load();
      const key = id.toLowerCase();
      let generation: string;
      try {
        const [entry, current] = await redis.client.mget(entryKey(key), generationKey(key));
        generation = current ?? '0';
        const cached = entry ? entrySchema.safeParse(safeJson(entry)) : undefined;
        if (cached?.success && cached.data.generation === generation) return cached.data.order;
      } catch {
        return load();
      }
      const order = await load();
      // Unknown ids are not cached (the order may be created a moment later), nor PENDING orders: the saga's
      // writes to them (the hot path) then never have a cached copy to invalidate.
      if (order && order.status !== 'PENDING') {
        await redis.client
          .set(entryKey(key), JSON.stringify({ generation, order }), 'PX', ttlMs)
          .catch(() => undefined);
      }
      return order;
    },
    invalidate,
    ready: () => redis.settled(),
    async close() {
      unsubscribe();
      await redis.close();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
