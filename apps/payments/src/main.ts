import { EMBEDDED_DURABILITY_NOTE, openPaymentsDatabase } from '@oos/db-payments';
import { runService } from '@oos/service-kit';
import { buildPaymentsApp } from './app.ts';
import { readPaymentsConfig } from './config.ts';

await runService({
  service: 'payments',
  readConfig: readPaymentsConfig,
  async start({ config, logger, metrics }) {
    const db = await openPaymentsDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    if (db.mode === 'embedded') logger.warn(EMBEDDED_DURABILITY_NOTE, { data_dir: config.dataDir });
    return {
      app: buildPaymentsApp({ config, db, logger, metrics }),
      closers: [() => db.close()],
      details: { database: db.mode },
    };
  },
});
