import type { Logger } from '@oos/service-kit';
import type { RequestHandler } from 'express';
import { allowedHosts } from './allowed-hosts.ts';
import type { EdgeConfig, RateLimitScope } from './config.ts';
import { corsPolicy } from './cors.ts';
import { createRateLimits } from './rate-limit.ts';
import { createFailOpenRedis, type RedisState } from './redis.ts';
import { securityHeaders } from './security-headers.ts';
import { sslRedirect } from './ssl-redirect.ts';

export type { EdgeConfig, RateLimitScope, TrustProxy } from './config.ts';
export { RATE_LIMIT_SCOPES, readEdgeConfig } from './config.ts';
export { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, RATE_LIMIT_HEADERS } from './cors.ts';
export { RATE_LIMIT_WINDOW_MS, rateLimitScopeOf } from './rate-limit.ts';
export type { RedisState } from './redis.ts';

export const DEFAULT_RATE_LIMIT_KEY_PREFIX = 'oos:rl:';

export interface EdgeDeps {
  logger: Logger;
  /** Called for every 429, e.g. to count them in metrics. */
  onRateLimited?: (scope: RateLimitScope) => void;
  /** Redis key prefix; every replica must use the same one. Default `oos:rl:`, then `<scope>:<client ip>`. */
  keyPrefix?: string;
}

export interface Edge {
  /** In order: security headers, host check, HTTPS redirect, CORS, rate limits. */
  handlers: RequestHandler[];
  redisState(): RedisState;
  /**
   * Resolves once the first Redis connection attempt has succeeded or failed (at once without Redis); never
   * rejects. Await it before listening: until then every request would be served unlimited, and logged as an
   * outage.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway's public-edge protections. Headers come first so every answer carries them, refusals included;
 * CORS comes before the limiter so a browser can read a 429, and answers preflights without spending budget.
 * The app must also `app.set('trust proxy', config.trustProxy)`, which `req.ip`, `req.secure` and `req.hostname`
 * here depend on.
 */
export function createEdge(config: EdgeConfig, deps: EdgeDeps): Edge {
  const redis =
    config.redisUrl === undefined
      ? undefined
      : createFailOpenRedis(config.redisUrl, deps.logger, 'rate limits not enforced');
  const rateLimits = createRateLimits({
    limits: config.rateLimits,
    logger: deps.logger,
    redis,
    keyPrefix: deps.keyPrefix ?? DEFAULT_RATE_LIMIT_KEY_PREFIX,
    onRateLimited: deps.onRateLimited,
  });
  const handlers = [
    ...securityHeaders({ hstsSeconds: config.hstsSeconds, sslRedirect: config.sslRedirect }),
    allowedHosts(config.allowedHosts),
    sslRedirect(config.sslRedirect),
    corsPolicy(config.corsAllowedOrigins),
    rateLimits.handler,
  ].filter((handler) => handler !== undefined);
  return {
    handlers,
    redisState: () => redis?.state() ?? 'not_configured',
    ready: async () => {
      await redis?.settled();
    },
    async close() {
      await rateLimits.close();
      await redis?.close();
    },
  };
}
