import type { Database, PrismaClient } from '@oos/db-inventory';
import { createServiceApp, databaseReadiness, type Logger, type Metrics } from '@oos/service-kit';
import type { Express } from 'express';
import type { InventoryConfig } from './config.ts';
import { contextFactory } from './context.ts';
import { inventoryMetrics } from './metrics.ts';
import { inventoryRouteOf } from './route-template.ts';
import { inventoryRouter } from './router.ts';

export interface InventoryAppDeps {
  config: Pick<InventoryConfig, 'internalToken' | 'maxBodyBytes'>;
  db: Database<PrismaClient>;
  logger: Logger;
  metrics: Metrics;
}

export function buildInventoryApp({ config, db, logger, metrics }: InventoryAppDeps): Express {
  return createServiceApp({
    router: inventoryRouter,
    createContext: contextFactory(db, logger, inventoryMetrics(metrics.registry)),
    logger,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    internalToken: config.internalToken,
    trpcPath: '/trpc',
    routeOf: inventoryRouteOf,
    ready: databaseReadiness(() => db.ping(), logger),
  });
}
