import { openInventoryDatabase } from '@oos/db-inventory';
import {
  ConfigError,
  createLogger,
  createMetrics,
  exitOnFatal,
  listen,
  stopOnSignals,
} from '@oos/service-kit';
import { buildInventoryApp } from './app.ts';
import { type InventoryConfig, readInventoryConfig } from './config.ts';
import { DEMO_STOCK, seedDemoStockIfEmpty } from './domain/demo-stock.ts';

function configOrExit(): InventoryConfig {
  try {
    return readInventoryConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`inventory: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

const config = configOrExit();
const logger = createLogger({ service: 'inventory', level: config.logLevel });
exitOnFatal(logger);

const db = await openInventoryDatabase({ url: config.databaseUrl, dataDir: config.dataDir }).catch(
  (error: unknown) => {
    logger.error('could not open the database', {
      error: error instanceof Error ? error.message : String(error),
    });
    process.exit(1);
  },
);
// Seeded before listening, so the service never reports healthy without the demo stock.
if (db.mode === 'embedded' && (await seedDemoStockIfEmpty(db.client))) {
  logger.info('seeded demo stock', { stock: DEMO_STOCK });
}

const app = buildInventoryApp({ config, db, logger, metrics: createMetrics('inventory') });
const running = await listen(app, config.port, config.host);
logger.info('listening', { url: running.url, database: db.mode });
stopOnSignals({ logger, running, closers: [() => db.close()] });
