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
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': 'oos-warm-up',
      ...(config.internalToken ? { authorization: `Bearer ${config.internalToken}` } : {}),
    };
    return {
      app: buildPaymentsApp({ config, db, logger, metrics }),
      closers: [() => db.close()],
      details: { database: db.mode },
      // Embedded mode: the first order of a new user's session should not pay for the first use of the request
      // path. A charge the input validation refuses: it goes through everything up to the database, and no further.
      warmUp: db.mode === 'embedded' ? [{ method: 'POST', path: '/trpc/charge', headers, body: '{}' }] : [],
    };
  },
});
