import type { Logger } from '@oos/service-kit';
import { sendError } from '@oos/service-kit';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Store } from 'express-rate-limit';
import type { RateLimitScope } from './config.ts';
import { RATE_LIMIT_SCOPES } from './config.ts';
import { isProbePath } from './paths.ts';
import type { FailOpenRedis } from './redis.ts';
import { ResilientRedisStore } from './redis-store.ts';

export const RATE_LIMIT_WINDOW_MS = 60_000;

const ORDERS = /^\/api\/orders\/?$/i;
const ORDER = /^\/api\/orders\/[^/]+\/?$/i;
const ORDER_CANCEL = /^\/api\/orders\/[^/]+\/cancel\/?$/i;
const EVENTS = /^\/api\/events\/?$/i;
const DELIVERIES = /^\/api\/webhook-deliveries\/?$/i;
const ORDER_EVENTS = /^\/api\/orders\/[^/]+\/events\/?$/i;

/**
 * Which budget a request spends; undefined for probes, which are never limited. Case-insensitive like Express's
 * routing, so `/API/ORDERS` cannot reach the create route on the larger default budget.
 */
export function rateLimitScopeOf(method: string, path: string): RateLimitScope | undefined {
  if (isProbePath(path)) return undefined;
  const reads = method === 'GET' || method === 'HEAD';
  if (ORDERS.test(path)) {
    if (method === 'POST') return 'create';
    if (reads) return 'list';
  } else if (ORDER_CANCEL.test(path)) {
    if (method === 'POST') return 'cancel';
  } else if (ORDER.test(path) || ORDER_EVENTS.test(path)) {
    if (reads) return 'detail';
  } else if (EVENTS.test(path) || DELIVERIES.test(path)) {
    // A page of the feed, or of the deliveries, costs what a page of the list does.
    if (reads) return 'list';
  }
  return 'default';
}

export interface RateLimitOptions {
  limits: Record<RateLimitScope, number>;
  logger: Logger;
  /** Shared counters for every replica; absent: per-process memory. */
  redis: FailOpenRedis | undefined;
  keyPrefix: string;
  onRateLimited: ((scope: RateLimitScope) => void) | undefined;
}

export interface RateLimits {
  handler: RequestHandler;
  close(): Promise<void>;
}

/** `req.ip` already reflects TRUST_PROXY; IPv6 clients are grouped by /56 so one host cannot rotate addresses. */
function clientKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

const STORE_MESSAGES = /store/i;

export function createRateLimits(options: RateLimitOptions): RateLimits {
  const { logger, redis } = options;
  const memoryStores: MemoryStore[] = [];
  // Store failures are reported once per outage by RedisAvailability; the library would log every request.
  const libraryLogger = {
    error: (error: unknown, message?: string) => {
      if (message !== undefined && STORE_MESSAGES.test(message)) {
        redis?.availability.markDown(error);
        return;
      }
      logger.error(message ?? 'express-rate-limit misconfiguration', { error: String(error) });
    },
    warn: (error: unknown, message?: string) => {
      logger.warn(message ?? 'express-rate-limit warning', { error: String(error) });
    },
  };

  const storeFor = (scope: RateLimitScope): Store => {
    if (redis)
      return new ResilientRedisStore(redis.client, `${options.keyPrefix}${scope}:`, redis.availability);
    const store = new MemoryStore();
    memoryStores.push(store);
    return store;
  };

  const limiters = new Map<RateLimitScope, RequestHandler>();
  for (const scope of RATE_LIMIT_SCOPES) {
    limiters.set(
      scope,
      rateLimit({
        windowMs: RATE_LIMIT_WINDOW_MS,
        limit: options.limits[scope],
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        identifier: scope,
        keyGenerator: clientKey,
        store: storeFor(scope),
        passOnStoreError: true,
        logger: libraryLogger,
        handler: (_req, res) => {
          options.onRateLimited?.(scope);
          // express-rate-limit has already set RateLimit, RateLimit-Policy and Retry-After.
          sendError(res, 'RATE_LIMITED');
        },
      }),
    );
  }

  return {
    handler: (req, res, next) => {
      const scope = rateLimitScopeOf(req.method, req.path);
      const limiter = scope === undefined ? undefined : limiters.get(scope);
      if (limiter === undefined) return next();
      return limiter(req, res, next);
    },
    async close() {
      for (const store of memoryStores) store.shutdown();
    },
  };
}
