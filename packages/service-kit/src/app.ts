import type { Ready } from '@oos/contracts';
import type { AnyRouter, inferRouterContext } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { accessLog } from './access-log.ts';
import { allowedMethods } from './allowed-methods.ts';
import { requireInternalToken } from './auth.ts';
import { bodyErrors, jsonBody } from './body.ts';
import type { Logger } from './logger.ts';
import { type Metrics, metricsEndpoint, type RouteTemplate } from './metrics.ts';
import { pinSchemaCoercion } from './openapi-coercion.ts';
import { problemJsonForOpenApi, sendError } from './problem.ts';
import { requestId } from './request-id.ts';

type ResponseMeta = Parameters<typeof createOpenApiExpressMiddleware>[0]['responseMeta'];

export interface ServiceAppOptions<TRouter extends AnyRouter> {
  router: TRouter;
  createContext: (opts: { req: Request; res: Response }) => inferRouterContext<TRouter>;
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes: number;
  /** Liveness is the process answering; readiness says whether it can serve (its own database). */
  ready: () => Promise<Ready>;
  routeOf: RouteTemplate;
  /** Bearer token required on everything but health, readiness and metrics. */
  internalToken?: string | undefined;
  /** Mount the tRPC endpoint (internal services) at this path. */
  trpcPath?: string;
  /** Run before any route (the gateway's edge protections). */
  edge?: RequestHandler[];
  /** Extra plain routes mounted after the operational ones (the gateway's OpenAPI document and docs page). */
  routes?: (app: Express) => void;
  responseMeta?: ResponseMeta;
}

/** The Express app every service is built on: same middleware order, same error shapes, same ops endpoints. */
export function createServiceApp<TRouter extends AnyRouter>(options: ServiceAppOptions<TRouter>): Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('strict routing', false);
  app.use(requestId(), accessLog(logger, metrics, options.routeOf));
  for (const handler of options.edge ?? []) app.use(handler);

  app.get(['/health', '/health/'], (_req, res) => {
    res.json({ ok: true });
  });
  app.get(['/ready', '/ready/'], async (_req, res) => {
    const ready = await options.ready();
    res.status(ready.ok ? 200 : 503).json(ready);
  });
  app.get(['/metrics', '/metrics/'], metricsEndpoint(metrics.registry));
  options.routes?.(app);

  app.use(requireInternalToken(options.internalToken));
  app.use(allowedMethods(options.router));
  app.use(jsonBody(options.maxBodyBytes));

  const onError = ({
    error,
    path,
  }: {
    error: { code: string; message: string; cause?: unknown };
    path?: string | undefined;
  }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      logger.error('procedure failed', { path, error: error.message, cause: String(error.cause) });
    }
  };
  if (options.trpcPath) {
    app.use(
      options.trpcPath,
      createExpressMiddleware({
        router: options.router,
        createContext: options.createContext,
        onError,
        maxBodySize: options.maxBodyBytes,
      }),
    );
  }
  pinSchemaCoercion(options.router);
  app.use(problemJsonForOpenApi());
  app.use(
    createOpenApiExpressMiddleware({
      router: options.router,
      createContext: options.createContext,
      responseMeta: options.responseMeta,
      onError,
      maxBodySize: options.maxBodyBytes,
    }),
  );
  app.use(bodyErrors());
  app.use(((error, _req, res, _next) => {
    logger.error('unhandled error', { error: error instanceof Error ? error.message : String(error) });
    sendError(res, 'INTERNAL_ERROR');
  }) satisfies express.ErrorRequestHandler);
  return app;
}
