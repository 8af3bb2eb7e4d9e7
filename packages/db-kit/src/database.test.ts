import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMigrationsFolder } from './migrations-folder.ts';
import { deployMigrationsToUrl } from './migrator.ts';
import { MAX_PREPARED_STATEMENTS } from './statements.ts';
import { inventoryMigrationsDir, openInventoryDatabase } from './test-packages.ts';
import { createTestDatabase, describeWithPostgres, freshTempDir, type TestDatabase } from './testing.ts';

async function appliedMigrationCount(db: Awaited<ReturnType<typeof openInventoryDatabase>>): Promise<number> {
  const rows = await db.client.$queryRaw<
    { count: bigint }[]
  >`SELECT count(*) AS count FROM _prisma_migrations`;
  return Number(rows[0]?.count);
}

describe('embedded database (PGlite)', () => {
  it('applies the migrations on open and keeps the data across close and reopen', async () => {
    const dataDir = await freshTempDir();
    const first = await openInventoryDatabase({ dataDir });
    try {
      expect(first.mode).toBe('embedded');
      await first.ping();
      await first.client.stock.create({ data: { sku: 'SKU1', quantity: 50 } });
      expect(await first.client.stock.findUnique({ where: { sku: 'SKU1' } })).toMatchObject({ quantity: 50 });
    } finally {
      await first.close();
    }
    await first.close();

    const second = await openInventoryDatabase({ dataDir });
    try {
      expect(await second.client.stock.findUnique({ where: { sku: 'SKU1' } })).toMatchObject({
        quantity: 50,
      });
      const { migrationDirectories } = await readMigrationsFolder(inventoryMigrationsDir);
      expect(await appliedMigrationCount(second)).toBe(migrationDirectories.length);
    } finally {
      await second.close();
    }
  });

  it('lets the CHECK constraint refuse negative stock', async () => {
    const db = await openInventoryDatabase({ dataDir: await freshTempDir() });
    try {
      await expect(db.client.stock.create({ data: { sku: 'NEG', quantity: -1 } })).rejects.toThrow(
        /stock_quantity_non_negative/,
      );
    } finally {
      await db.close();
    }
  });

  it('says which directory is damaged and what to do about it', async () => {
    const dataDir = await freshTempDir();
    const db = await openInventoryDatabase({ dataDir });
    await db.close();
    await writeFile(join(dataDir, 'inventory', 'global', 'pg_control'), 'not a control file');

    const opening = openInventoryDatabase({ dataDir });
    await expect(opening).rejects.toThrow(join(dataDir, 'inventory'));
    await expect(opening).rejects.toThrow(/delete the directory to start fresh .* or restore it/);
  });
});

await describeWithPostgres('PostgreSQL database', () => {
  let database: TestDatabase;
  afterAll(async () => {
    await database?.drop();
  });

  it('queries through the pg pool, without applying migrations itself', async () => {
    database = await createTestDatabase('database');
    const unmigrated = await openInventoryDatabase({ url: database.url, dataDir: await freshTempDir() });
    try {
      expect(unmigrated.mode).toBe('postgres');
      await unmigrated.ping();
      await expect(unmigrated.client.stock.findMany()).rejects.toThrow(/stock/);
    } finally {
      await unmigrated.close();
    }

    await deployMigrationsToUrl(database.url, inventoryMigrationsDir);
    const db = await openInventoryDatabase({ url: database.url, dataDir: await freshTempDir(), poolMax: 2 });
    try {
      await db.client.stock.create({ data: { sku: 'SKU1', quantity: 3 } });
      expect(await db.client.stock.findUnique({ where: { sku: 'SKU1' } })).toMatchObject({ quantity: 3 });
      await expect(
        db.client.stock.update({ where: { sku: 'SKU1' }, data: { quantity: -1 } }),
      ).rejects.toThrow(/stock_quantity_non_negative/);
    } finally {
      await db.close();
    }
  });

  it('prepares the hot statements once per connection, and nothing Prisma generates', async () => {
    const db = await openInventoryDatabase({ url: database.url, dataDir: await freshTempDir(), poolMax: 1 });
    try {
      const hot = { text: 'SELECT "quantity" FROM "stock" WHERE "sku" = $1', values: ['SKU1'] };
      // Twice: the second run binds the statement the first one prepared (a second Parse under the same
      // name would fail on PostgreSQL's side: "prepared statement already exists").
      expect(await db.statements.rows(hot)).toEqual([{ quantity: 3 }]);
      expect(await db.statements.rows({ ...hot, values: ['NOPE'] })).toEqual([]);
      await db.client.stock.findMany();
      const prepared = await db.client.$queryRaw<{ name: string; statement: string }[]>`
        SELECT "name", "statement" FROM pg_prepared_statements ORDER BY "name"`;
      expect(prepared).toEqual([{ name: 'oos_hot_1', statement: hot.text }]);
    } finally {
      await db.close();
    }
  });

  it('prepares no more than its cap of distinct texts, and still answers the rest unnamed', async () => {
    const db = await openInventoryDatabase({ url: database.url, dataDir: await freshTempDir(), poolMax: 1 });
    try {
      const texts = Array.from(
        { length: MAX_PREPARED_STATEMENTS + 3 },
        (_, n) => `SELECT $1::int + ${n} AS "sum"`,
      );
      for (const [n, text] of texts.entries()) {
        expect(await db.statements.rows({ text, values: [1] })).toEqual([{ sum: 1 + n }]);
      }
      const [prepared] = await db.client.$queryRaw<{ count: bigint }[]>`
        SELECT count(*) AS "count" FROM pg_prepared_statements`;
      expect(Number(prepared?.count)).toBe(MAX_PREPARED_STATEMENTS);
    } finally {
      await db.close();
    }
  });

  it('fails ping when the server cannot be reached', async () => {
    const db = await openInventoryDatabase({
      url: 'postgresql://postgres@127.0.0.1:1/nowhere',
      dataDir: await freshTempDir(),
    });
    try {
      await expect(db.ping()).rejects.toThrow();
    } finally {
      await db.close();
    }
  });
});
