import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMigration } from './migrations-folder.ts';
import { deployMigrationsToPglite, deployMigrationsToUrl, diffSchemaAgainstMigrations } from './migrator.ts';
import {
  gatewayMigrationsDir,
  gatewaySchemaPath,
  inventoryMigrationsDir,
  inventorySchemaPath,
  paymentsMigrationsDir,
  paymentsSchemaPath,
} from './test-packages.ts';
import { createTestDatabase, describeWithPostgres, freshTempDir, type TestDatabase } from './testing.ts';

const packages = [
  { service: 'inventory', migrationsDir: inventoryMigrationsDir, schemaPath: inventorySchemaPath },
  { service: 'payments', migrationsDir: paymentsMigrationsDir, schemaPath: paymentsSchemaPath },
  { service: 'gateway', migrationsDir: gatewayMigrationsDir, schemaPath: gatewaySchemaPath },
];

/** A migration whose comment holds a `;` and whose second statement fails, to prove scripts run atomically. */
async function migrationsWithFailingSecondStep(): Promise<string> {
  const dir = join(await freshTempDir(), 'migrations');
  await writeMigration(
    dir,
    'ok',
    '-- first; with a semicolon in a comment\nCREATE TABLE "kept" ("id" INTEGER);\n',
  );
  const failing = join(dir, '29990101000000_broken');
  await mkdir(failing);
  await writeFile(
    join(failing, 'migration.sql'),
    'CREATE TABLE "half_done" ("id" INTEGER);\nINSERT INTO "missing_table" VALUES (1);\n',
  );
  return dir;
}

describe('new migration (diff against the replayed history)', () => {
  it.each(packages)(
    'finds the $service schema and its migrations in sync',
    async ({ schemaPath, migrationsDir }) => {
      expect(await diffSchemaAgainstMigrations(schemaPath, migrationsDir)).toBeNull();
    },
  );

  it('generates the whole schema from an empty history', async () => {
    const empty = join(await freshTempDir(), 'migrations');
    const script = await diffSchemaAgainstMigrations(paymentsSchemaPath, empty);
    expect(script).toContain('CREATE TABLE "charges"');
    expect(script).toContain('CREATE UNIQUE INDEX "charges_idempotency_key_key"');
  });
});

describe('deploy to PGlite', () => {
  it('applies what is pending, nothing when up to date, and a migration added later', async () => {
    const db = new PGlite();
    try {
      const dir = join(await freshTempDir(), 'migrations');
      await writeMigration(dir, 'first', 'CREATE TABLE "one" ("id" INTEGER);\n');
      expect(await deployMigrationsToPglite(db, dir)).toEqual([expect.stringMatching(/_first$/)]);
      expect(await deployMigrationsToPglite(db, dir)).toEqual([]);
      const second = join(dir, '29990101000000_second');
      await mkdir(second);
      await writeFile(join(second, 'migration.sql'), 'CREATE TABLE "two" ("id" INTEGER);\n');
      expect(await deployMigrationsToPglite(db, dir)).toEqual(['29990101000000_second']);
      const tables = await db.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      );
      expect(tables.rows.map((row) => row.name)).toEqual(['_prisma_migrations', 'one', 'two']);
    } finally {
      await db.close();
    }
  });

  it('applies a failing migration atomically and reports the database error', async () => {
    const db = new PGlite();
    try {
      const dir = await migrationsWithFailingSecondStep();
      await expect(deployMigrationsToPglite(db, dir)).rejects.toThrow(/missing_table/);
      const tables = await db.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      );
      expect(tables.rows.map((row) => row.name)).toEqual(['_prisma_migrations', 'kept']);
    } finally {
      await db.close();
    }
  });
});

await describeWithPostgres('deploy to PostgreSQL', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((db) => db.drop()));
  });
  async function freshDatabase(prefix: string): Promise<TestDatabase> {
    const db = await createTestDatabase(prefix);
    databases.push(db);
    return db;
  }

  it.each(packages)(
    'applies the $service migrations once, then nothing',
    async ({ service, migrationsDir }) => {
      const db = await freshDatabase(`migrator_${service}`);
      const onDisk = (await readdir(migrationsDir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      const first = await deployMigrationsToUrl(db.url, migrationsDir);
      expect(first).toEqual(onDisk);
      expect(first[0]).toMatch(/^\d{14}_init$/);
      expect(await deployMigrationsToUrl(db.url, migrationsDir)).toEqual([]);

      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const recorded = await client.query(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
        );
        expect(recorded.rows).toEqual(first.map((name) => ({ migration_name: name })));
      } finally {
        await client.end();
      }
    },
  );

  it('keeps the inventory CHECK constraints', async () => {
    const db = await freshDatabase('migrator_checks');
    await deployMigrationsToUrl(db.url, inventoryMigrationsDir);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await expect(
        client.query(`INSERT INTO stock (sku, quantity, updated_at) VALUES ('NEG', -1, now())`),
      ).rejects.toThrow(/stock_quantity_non_negative/);
      await client.query(`INSERT INTO reservations (id, fingerprint) VALUES ('r1', 'f')`);
      await expect(
        client.query(
          `INSERT INTO reservation_lines (reservation_id, position, sku, quantity) VALUES ('r1', 0, 'A', 0)`,
        ),
      ).rejects.toThrow(/reservation_lines_quantity_positive/);
    } finally {
      await client.end();
    }
  });

  it('runs each migration as one atomic script, semicolons in comments included', async () => {
    const db = await freshDatabase('migrator_atomic');
    const dir = await migrationsWithFailingSecondStep();
    await expect(deployMigrationsToUrl(db.url, dir)).rejects.toThrow(/missing_table/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = await client.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      );
      expect(tables.rows).toEqual([{ tablename: '_prisma_migrations' }, { tablename: 'kept' }]);
    } finally {
      await client.end();
    }
  });

  it('leaves nothing that keeps the process alive once the deploy is done', async () => {
    const db = await freshDatabase('migrator_handles');
    // Sockets and referenced timers; unref'd timers are not listed.
    const keepAlive = () =>
      process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap' || kind === 'Timeout')
        .length;
    // Earlier tests' clients may still be closing: count from a settled baseline, not a moving one.
    let before = keepAlive();
    for (let stable = 0, attempt = 0; stable < 5 && attempt < 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = keepAlive();
      stable = now === before ? stable + 1 : 0;
      before = now;
    }
    await deployMigrationsToUrl(db.url, paymentsMigrationsDir);
    // Sockets finish closing shortly after the pool reports it has ended. (Not vi.waitFor: its own timers count.)
    for (let attempt = 0; attempt < 100 && keepAlive() !== before; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(keepAlive()).toBe(before);
  });
});
