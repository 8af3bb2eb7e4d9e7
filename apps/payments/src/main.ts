import { openPaymentsDatabase } from '@oos/db-payments';
import {
  ConfigError,
  createLogger,
  createMetrics,
  exitOnFatal,
  listen,
  stopOnSignals,
} from '@oos/service-kit';
import { buildPaymentsApp } from './app.ts';
import { type PaymentsConfig, readPaymentsConfig } from './config.ts';

function configOrExit(): PaymentsConfig {
  try {
    return readPaymentsConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`payments: ${error.message}`);
    process.exit(1);
  }
}

const config = configOrExit();
const logger = createLogger({ service: 'payments', level: config.logLevel });
exitOnFatal(logger);

try {
  const db = await openPaymentsDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const app = buildPaymentsApp({ config, db, logger, metrics: createMetrics('payments') });
  const running = await listen(app, config.port, config.host);
  logger.info('payments listening', { url: running.url, database: db.mode });
  stopOnSignals({ logger, running, closers: [() => db.close()] });
} catch (error) {
  logger.error('payments failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
