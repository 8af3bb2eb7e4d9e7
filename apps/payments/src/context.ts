import type { PrismaClient, Statements } from '@oos/db-payments';
import { type BaseContext, type Logger, requestIdOf } from '@oos/service-kit';
import type { Request, Response } from 'express';
import type { PaymentsMetrics } from './metrics.ts';

export interface AppContext extends BaseContext {
  db: PrismaClient;
  /** The charge's statement goes here, not through the client (db-kit statements.ts). */
  statements: Statements;
  declineAboveCents: number;
  metrics: PaymentsMetrics;
}

export interface ContextDeps {
  db: PrismaClient;
  statements: Statements;
  logger: Logger;
  declineAboveCents: number;
  metrics: PaymentsMetrics;
}

export function contextFactory(deps: ContextDeps) {
  return ({ req }: { req: Request; res: Response }): AppContext => {
    const requestId = requestIdOf(req);
    return {
      requestId,
      logger: deps.logger.child({ request_id: requestId }),
      headers: req.headers,
      db: deps.db,
      statements: deps.statements,
      declineAboveCents: deps.declineAboveCents,
      metrics: deps.metrics,
    };
  };
}
