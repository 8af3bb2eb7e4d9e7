import type { Database, PrismaClient, Statements } from '@oos/db-inventory';
import { type BaseContext, type Logger, requestIdOf } from '@oos/service-kit';
import type { Request, Response } from 'express';
import type { InventoryMetrics } from './metrics.ts';

export interface AppContext extends BaseContext {
  db: PrismaClient;
  /** The reserve's statement goes here, not through the client (db-kit statements.ts). */
  statements: Statements;
  metrics: InventoryMetrics;
}

/** Every log line a procedure writes carries the request id the caller sent (or the one minted for it). */
export function contextFactory(db: Database<PrismaClient>, logger: Logger, metrics: InventoryMetrics) {
  return ({ req }: { req: Request; res: Response }): AppContext => {
    const requestId = requestIdOf(req);
    return {
      requestId,
      logger: logger.child({ request_id: requestId }),
      headers: req.headers,
      db: db.client,
      statements: db.statements,
      metrics,
    };
  };
}
