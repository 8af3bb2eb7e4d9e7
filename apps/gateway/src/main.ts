import { EMBEDDED_DURABILITY_NOTE, openGatewayDatabase } from '@oos/db-gateway';
import {
  ConfigError,
  createLogger,
  createMetrics,
  exitOnFatal,
  listen,
  stopOnSignals,
  warmUp,
} from '@oos/service-kit';
import { buildGatewayApp } from './app.ts';
import { createOrderCache } from './cache/order-cache.ts';
import { type GatewayConfig, readGatewayConfig } from './config.ts';
import { createEdge } from './edge/index.ts';
import { gatewayMetrics } from './observability/metrics.ts';
import { createRecoveryWorker } from './recovery/worker.ts';
import { createUpstreams } from './upstreams.ts';
import { createWebhookDispatcher } from './webhooks/dispatcher.ts';

function configOrExit(): GatewayConfig {
  try {
    return readGatewayConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`gateway: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

const config = configOrExit();
const logger = createLogger({ service: 'gateway', level: config.logLevel });
exitOnFatal(logger);

const db = await openGatewayDatabase({ url: config.databaseUrl, dataDir: config.dataDir }).catch(
  (error: unknown) => {
    logger.error('could not open the database', {
      error: error instanceof Error ? error.message : String(error),
    });
    process.exit(1);
  },
);
if (db.mode === 'embedded') logger.warn(EMBEDDED_DURABILITY_NOTE, { data_dir: config.dataDir });
// One registry for the app, its upstream clients, the edge and the recovery worker.
const metrics = createMetrics('gateway');
const observed = gatewayMetrics(metrics.registry);
const upstreams = createUpstreams({
  inventoryBaseUrl: config.inventoryBaseUrl,
  paymentsBaseUrl: config.paymentsBaseUrl,
  internalToken: config.internalToken,
  resilience: config.resilience,
  logger,
  metrics,
});

const edge = createEdge(config.edge, {
  logger,
  onRateLimited: (scope) => observed.rateLimited.inc({ scope }),
});
const orderCache = createOrderCache({ redisUrl: config.edge.redisUrl, logger });
const app = buildGatewayApp({
  config: { ...config, trustProxy: config.edge.trustProxy },
  db,
  upstreams,
  logger,
  metrics,
  edge,
  orderCache,
});
// Until Redis has answered (or failed to), every request would be served unlimited and logged as an outage.
await Promise.all([edge.ready(), orderCache.ready()]);
// Embedded mode: the first order of a new user's session should not pay for the first use of the request path.
// Reads only (a page and an unknown id); a create would spend the client's rate-limit budget.
if (db.mode === 'embedded') {
  await warmUp(app, [
    { method: 'GET', path: '/api/orders/?page=1&page_size=1' },
    { method: 'GET', path: '/api/orders/00000000-0000-4000-8000-000000000000/' },
  ]);
}
// Endpoints are registered before the first request, so a new one is sent everything from its first order on.
const webhooks = createWebhookDispatcher({
  db: db.client,
  config: config.webhooks,
  logger,
  metrics: observed,
});
if (config.webhooks.endpoints.length > 0) await webhooks.init();
const running = await listen(app, config.port, config.host);
logger.info('listening', {
  url: running.url,
  database: db.mode,
  inventory: config.inventoryBaseUrl,
  payments: config.paymentsBaseUrl,
  webhook_endpoints: config.webhooks.endpoints.length,
});
const recovery = createRecoveryWorker({
  db: db.client,
  statements: db.statements,
  upstreams,
  logger,
  metrics: observed,
  config: config.recovery,
});
recovery.start();
if (config.webhooks.endpoints.length > 0) webhooks.start();
// The first order would otherwise pay for the connections (and the HTTP client's first use); not awaited, since the
// upstreams may start after the gateway.
void upstreams.preconnect();
stopOnSignals({
  logger,
  running,
  graceMs: config.shutdownGraceMs,
  // The worker first: its running pass may finish (bounded) and its claims are given back before pools close.
  closers: [
    () => recovery.stop(config.shutdownGraceMs),
    () => webhooks.stop(config.shutdownGraceMs),
    () => upstreams.shutdown(),
    () => edge.close(),
    () => orderCache.close(),
    () => db.close(),
  ],
});
