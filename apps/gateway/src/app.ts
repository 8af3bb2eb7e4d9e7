import type { Database, PrismaClient } from '@oos/db-gateway';
import { createServiceApp, type Logger, type Metrics } from '@oos/service-kit';
import type { Express } from 'express';
import type { GatewayConfig } from './config.ts';
import { type AppContext, contextFactory } from './context.ts';
import { mountDocs } from './docs.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { gatewayRouteOf } from './route-template.ts';
import { gatewayRouter } from './router.ts';
import type { Upstreams } from './upstreams.ts';

export interface GatewayAppDeps {
  config: Pick<GatewayConfig, 'maxBodyBytes' | 'idempotencyTtlHours' | 'leaseMs' | 'resilience'>;
  db: Database<PrismaClient>;
  upstreams: Upstreams;
  logger: Logger;
  metrics: Metrics;
}

export function buildGatewayApp({ config, db, upstreams, logger, metrics }: GatewayAppDeps): Express {
  let document: unknown;
  return createServiceApp({
    router: gatewayRouter,
    createContext: contextFactory({
      db: db.client,
      logger,
      orders: {
        db: db.client,
        upstreams,
        leaseMs: config.leaseMs,
        idempotencyTtlHours: config.idempotencyTtlHours,
        breakerRetryAfterSeconds: Math.max(1, Math.ceil(config.resilience.breakerResetMs / 1000)),
      },
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
      let dbState = 'ok';
      try {
        await db.ping();
      } catch (error) {
        logger.warn('readiness: database unreachable', {
          error: error instanceof Error ? error.message : String(error),
        });
        dbState = 'unavailable';
      }
      return {
        ok: dbState === 'ok',
        components: { db: dbState, redis: 'not_configured', inventory, payments },
      };
    },
  });
}
