import type { PrismaClient, Statements } from '@oos/db-gateway';
import { type BaseContext, type Logger, requestIdOf } from '@oos/service-kit';
import type { Request, Response } from 'express';
import type { OrderCache } from './cache/order-cache.ts';
import type { CreateOrderDeps } from './domain/create-order.ts';
import type { WebhookConfig } from './webhooks/config.ts';

/**
 * Status and headers a procedure wants on its answer. The REST adapter's `responseMeta` reads them (success and
 * error alike): the one way this app sets 201, `Idempotent-Replay` and `Retry-After`.
 */
export interface ResponseControl {
  status?: number;
  headers: Record<string, string>;
}

export interface AppContext extends BaseContext {
  db: PrismaClient;
  /** The hot reads and writes go here, not through the client (db-kit statements.ts). */
  statements: Statements;
  orders: CreateOrderDeps;
  /** The parsed JSON body before validation (the idempotency fingerprint is taken from it). */
  rawBody: unknown;
  response: ResponseControl;
  /** Read-through cache for single-order reads (a pass-through without Redis). */
  orderCache: OrderCache;
  /** Where the webhooks go and how long a re-queued delivery is retried. */
  webhooks: WebhookSettings;
}

export type WebhookSettings = Pick<WebhookConfig, 'endpoints' | 'horizonMs'>;

export interface ContextDeps {
  db: PrismaClient;
  logger: Logger;
  orders: Omit<CreateOrderDeps, 'logger'>;
  orderCache: OrderCache;
  webhooks: WebhookSettings;
}

export function contextFactory(deps: ContextDeps) {
  return ({ req }: { req: Request; res: Response }): AppContext => {
    const requestId = requestIdOf(req);
    const logger = deps.logger.child({ request_id: requestId });
    return {
      requestId,
      logger,
      headers: req.headers,
      db: deps.db,
      statements: deps.orders.statements,
      orders: { ...deps.orders, logger },
      rawBody: req.body,
      response: { headers: {} },
      orderCache: deps.orderCache,
      webhooks: deps.webhooks,
    };
  };
}
