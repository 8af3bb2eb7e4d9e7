import type { Database, PrismaClient } from '@oos/db-gateway';
import { componentState, createServiceApp, type Logger, type Metrics } from '@oos/service-kit';
import type { Express } from 'express';
import { NO_ORDER_CACHE, type OrderCache } from './cache/order-cache.ts';
import type { GatewayConfig } from './config.ts';
import { type AppContext, contextFactory, type WebhookSettings } from './context.ts';
import { mountDocs } from './docs.ts';
import type { Edge, TrustProxy } from './edge/index.ts';
import { gatewayMetrics } from './observability/metrics.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { gatewayRouteOf } from './route-template.ts';
import { gatewayRouter } from './router.ts';
import type { Upstreams } from './upstreams.ts';

const NO_WEBHOOKS: WebhookSettings = { endpoints: [], horizonMs: 0 };

export interface GatewayAppDeps {
  config: Pick<GatewayConfig, 'maxBodyBytes' | 'idempotencyTtlHours' | 'leaseMs' | 'resilience'> & {
    /** Express's `trust proxy`; the edge's client IP, HTTPS and host checks depend on it. Default false. */
    trustProxy?: TrustProxy;
    /** The webhook endpoints (for re-queueing a delivery); none by default. */
    webhooks?: WebhookSettings;
  };
  db: Database<PrismaClient>;
  upstreams: Upstreams;
  logger: Logger;
  metrics: Metrics;
  /** Rate limits, security headers, CORS, hosts, HTTPS redirect; without it the app has none (domain tests). */
  edge?: Edge;
  /** Without it every read goes to the database. */
  orderCache?: OrderCache;
}

export function buildGatewayApp({
  config,
  db,
  upstreams,
  logger,
  metrics,
  edge,
  orderCache = NO_ORDER_CACHE,
}: GatewayAppDeps): Express {
  let document: unknown;
  const observed = gatewayMetrics(metrics.registry);
  observed.countPendingOrdersWith(() => db.client.order.count({ where: { status: 'PENDING' } }));
  const app = createServiceApp({
    edge: edge?.handlers,
    router: gatewayRouter,
    createContext: contextFactory({
      db: db.client,
      logger,
      orders: {
        db: db.client,
        statements: db.statements,
        upstreams,
        leaseMs: config.leaseMs,
        metrics: observed,
        idempotencyTtlHours: config.idempotencyTtlHours,
        breakerRetryAfterSeconds: Math.max(1, Math.ceil(config.resilience.breakerResetMs / 1000)),
      },
      orderCache,
      webhooks: config.webhooks ?? NO_WEBHOOKS,
    }),
    // The public API is REST only (no /trpc endpoint) and has no bearer token: the token is for internal calls.
    logger,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    routeOf: gatewayRouteOf,
    responseMeta: ({ ctx }: { ctx?: AppContext | undefined }) => ({
      status: ctx?.response.status,
      headers: ctx?.response.headers ?? {},
    }),
    routes: (app) => {
      mountDocs(app, () => {
        document ??= buildOpenApiDocument();
        return document;
      });
    },
    ready: async () => {
      const { inventory, payments } = upstreams.states();
      const dbState = await componentState('database', () => db.ping(), logger);
      return {
        ok: dbState === 'ok',
        // Redis only makes the edge stricter and reads faster; its absence never stops the gateway serving.
        components: { db: dbState, redis: edge?.redisState() ?? 'not_configured', inventory, payments },
      };
    },
  });
  app.set('trust proxy', config.trustProxy ?? false);
  return app;
}
