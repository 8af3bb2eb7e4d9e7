import { EMBEDDED_DURABILITY_NOTE, openInventoryDatabase } from '@oos/db-inventory';
import { runService } from '@oos/service-kit';
import { buildInventoryApp } from './app.ts';
import { readInventoryConfig } from './config.ts';
import { DEMO_STOCK, seedDemoStockIfEmpty } from './domain/demo-stock.ts';

await runService({
  service: 'inventory',
  readConfig: readInventoryConfig,
  async start({ config, logger, metrics }) {
    const db = await openInventoryDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    if (db.mode === 'embedded') logger.warn(EMBEDDED_DURABILITY_NOTE, { data_dir: config.dataDir });
    // Seeded before listening, so the service never reports healthy without the demo stock.
    if (db.mode === 'embedded' && (await seedDemoStockIfEmpty(db.client))) {
      logger.info('seeded demo stock', { stock: DEMO_STOCK });
    }
    const auth: Record<string, string> = config.internalToken
      ? { authorization: `Bearer ${config.internalToken}` }
      : {};
    return {
      app: buildInventoryApp({ config, db, logger, metrics }),
      closers: [() => db.close()],
      details: { database: db.mode },
      // Embedded mode: the first order of a new user's session should not pay for the first use of the request path.
      warmUp:
        db.mode === 'embedded'
          ? [
              {
                method: 'GET',
                path: `/trpc/getStock?input=${encodeURIComponent('{"sku":"SKU1"}')}`,
                headers: auth,
              },
              {
                method: 'POST',
                path: '/trpc/reserve',
                headers: { ...auth, 'content-type': 'application/json' },
                body: '{}',
              },
            ]
          : [],
    };
  },
});
