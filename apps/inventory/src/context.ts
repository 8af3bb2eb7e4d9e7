import type { PrismaClient } from '@oos/db-inventory';
import { type BaseContext, type Logger, requestIdOf } from '@oos/service-kit';
import type { Request, Response } from 'express';
import type { InventoryMetrics } from './metrics.ts';

export interface AppContext extends BaseContext {
  db: PrismaClient;
  metrics: InventoryMetrics;
}

/** Every log line a procedure writes carries the request id the caller sent (or the one minted for it). */
export function contextFactory(db: PrismaClient, logger: Logger, metrics: InventoryMetrics) {
  return ({ req }: { req: Request; res: Response }): AppContext => {
    const requestId = requestIdOf(req);
    return { requestId, logger: logger.child({ request_id: requestId }), headers: req.headers, db, metrics };
  };
}
