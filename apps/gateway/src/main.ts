import { openGatewayDatabase } from '@oos/db-gateway';
import {
  ConfigError,
  createLogger,
  createMetrics,
  exitOnFatal,
  listen,
  stopOnSignals,
} from '@oos/service-kit';
import { buildGatewayApp } from './app.ts';
import { type GatewayConfig, readGatewayConfig } from './config.ts';
import { createUpstreams } from './upstreams.ts';

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
const upstreams = createUpstreams({
  inventoryBaseUrl: config.inventoryBaseUrl,
  paymentsBaseUrl: config.paymentsBaseUrl,
  internalToken: config.internalToken,
  resilience: config.resilience,
  logger,
});

const app = buildGatewayApp({ config, db, upstreams, logger, metrics: createMetrics('gateway') });
const running = await listen(app, config.port, config.host);
logger.info('listening', {
  url: running.url,
  database: db.mode,
  inventory: config.inventoryBaseUrl,
  payments: config.paymentsBaseUrl,
});
stopOnSignals({
  logger,
  running,
  closers: [async () => upstreams.shutdown(), () => db.close()],
});
