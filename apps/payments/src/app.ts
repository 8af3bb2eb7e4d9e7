import type { Database, PrismaClient } from '@oos/db-payments';
import { createServiceApp, databaseReadiness, type Logger, type Metrics } from '@oos/service-kit';
import type { Express } from 'express';
import type { PaymentsConfig } from './config.ts';
import { contextFactory } from './context.ts';
import { paymentsMetrics } from './metrics.ts';
import { paymentsRouteOf } from './route-template.ts';
import { paymentsRouter } from './router.ts';

export interface PaymentsAppDeps {
  config: Pick<PaymentsConfig, 'maxBodyBytes' | 'internalToken' | 'declineAboveCents'>;
  db: Database<PrismaClient>;
  logger: Logger;
  metrics: Metrics;
}

export function buildPaymentsApp({ config, db, logger, metrics }: PaymentsAppDeps): Express {
  return createServiceApp({
    router: paymentsRouter,
    createContext: contextFactory({
      db: db.client,
      statements: db.statements,
      logger,
      declineAboveCents: config.declineAboveCents,
      metrics: paymentsMetrics(metrics.registry),
    }),
    logger,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    internalToken: config.internalToken,
    trpcPath: '/trpc',
    routeOf: paymentsRouteOf,
    ready: databaseReadiness(() => db.ping(), logger),
  });
}
