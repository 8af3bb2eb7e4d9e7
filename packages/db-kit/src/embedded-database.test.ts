import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { lockFileOf, type OpenedEmbedded, openEmbeddedDatabase } from './embedded-database.ts';
import { ensureTemplate } from './embedded-template.ts';
import { readMigrationsFolder } from './migrations-folder.ts';
import { applyMigrationListToPglite, deployMigrationsToUrl } from './migrator.ts';
import { inventoryMigrationsDir } from './test-packages.ts';
import { createTestDatabase, describeWithPostgres, freshTempDir, type TestDatabase } from './testing.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const writeUntilKilled = fileURLToPath(new URL('./test-fixtures/write-until-killed.ts', import.meta.url));

interface MigrationRow {
  id: string;
  migration_name: string;
  checksum: string;
  applied_steps_count: number;
  logs: string | null;
  finished: boolean;
  rolled_back: boolean;
}

const HISTORY = `SELECT id, migration_name, checksum, applied_steps_count, logs, finished_at IS NOT NULL AS finished,
  rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations ORDER BY migration_name`;

async function historyOf(db: PGlite): Promise<MigrationRow[]> {
  return (await db.query<MigrationRow>(HISTORY)).rows;
}

/** What the schema engine records for a migration, without what differs per database (id, timestamps). */
function recorded(rows: readonly MigrationRow[]) {
  return rows.map(({ id: _id, ...rest }) => rest);
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

async function withOpen<T>(opened: Promise<OpenedEmbedded>, run: (db: PGlite) => Promise<T>): Promise<T> {
  const db = await opened;
  try {
    return await run(db.pglite);
  } finally {
    await db.close();
  }
}

/** A copy of the inventory migrations that a test may add to. */
async function inventoryMigrationsCopy(): Promise<string> {
  const dir = join(await freshTempDir('oos-migrations-'), 'migrations');
  await cp(inventoryMigrationsDir, dir, { recursive: true });
  return dir;
}

async function addMigration(migrationsDir: string, name: string, sql: string): Promise<string> {
  await mkdir(join(migrationsDir, name), { recursive: true });
  await writeFile(join(migrationsDir, name, 'migration.sql'), sql);
  return name;
}

async function templatesIn(templatesDir: string): Promise<string[]> {
  return (await readdir(templatesDir)).filter((name) => !name.endsWith('.lock')).sort();
}

describe('a new embedded database', () => {
  it('is a copy of the migrations template, whose history is what the schema engine wrote', async () => {
    const templatesDir = await freshTempDir('oos-templates-');
    const options = { label: 'inventory', migrationsDir: inventoryMigrationsDir, templatesDir };
    const first = join(await freshTempDir(), 'inventory');
    const second = join(await freshTempDir(), 'inventory');

    const firstHistory = await withOpen(openEmbeddedDatabase({ ...options, dir: first }), async (db) => {
      // The warm-up at open leaves nothing behind.
      expect((await db.query("SELECT to_regclass('oos_warm_up') AS left_over")).rows).toEqual([
        { left_over: null },
      ]);
      return historyOf(db);
    });
    const secondHistory = await withOpen(openEmbeddedDatabase({ ...options, dir: second }), historyOf);

    // One initdb template, one migrations template; both databases hold the template's rows, ids included.
    expect(await templatesIn(templatesDir)).toEqual([
      expect.stringMatching(/^base-[0-9a-f]{20}$/),
      expect.stringMatching(/^inventory-[0-9a-f]{20}$/),
    ]);
    expect(secondHistory).toEqual(firstHistory);
    const [init] = firstHistory;
    expect(init).toMatchObject({ finished: true, rolled_back: false, applied_steps_count: 1, logs: null });
    expect(init?.checksum).toBe(
      await sha256Of(join(inventoryMigrationsDir, `${init?.migration_name}/migration.sql`)),
    );
  });

  it('gives the schema engine nothing to apply, and a migration added later is applied on top', async () => {
    const templatesDir = await freshTempDir('oos-templates-');
    const migrationsDir = await inventoryMigrationsCopy();
    const options = { label: 'inventory', migrationsDir, templatesDir };
    const dir = join(await freshTempDir(), 'inventory');

    await withOpen(openEmbeddedDatabase({ ...options, dir }), async (db) => {
      expect(await applyMigrationListToPglite(db, await readMigrationsFolder(migrationsDir))).toEqual([]);
      await db.query(`INSERT INTO stock (sku, quantity, updated_at) VALUES ('KEPT', 7, now())`);
    });
    const [oldTemplate] = (await templatesIn(templatesDir)).filter((name) => name.startsWith('inventory-'));

    const added = await addMigration(
      migrationsDir,
      '29990101000000_stock_note',
      'ALTER TABLE "stock" ADD COLUMN "note" TEXT;\n',
    );
    // The existing database: only the new migration is applied, its data stays.
    await withOpen(openEmbeddedDatabase({ ...options, dir }), async (db) => {
      const history = await historyOf(db);
      expect(history.map((row) => row.migration_name).at(-1)).toBe(added);
      expect(history.at(-1)?.checksum).toBe(await sha256Of(join(migrationsDir, added, 'migration.sql')));
      expect((await db.query(`SELECT note, quantity FROM stock WHERE sku = 'KEPT'`)).rows).toEqual([
        { note: null, quantity: 7 },
      ]);
    });
    // A database made afterwards comes from a new template that has it; the outdated template is gone.
    const fresh = join(await freshTempDir(), 'inventory');
    await withOpen(openEmbeddedDatabase({ ...options, dir: fresh }), async (db) => {
      expect((await historyOf(db)).map((row) => row.migration_name).at(-1)).toBe(added);
      expect(await applyMigrationListToPglite(db, await readMigrationsFolder(migrationsDir))).toEqual([]);
      await db.query(`UPDATE stock SET note = 'n'`);
    });
    const templates = await templatesIn(templatesDir);
    expect(templates.filter((name) => name.startsWith('inventory-'))).toHaveLength(1);
    expect(templates).not.toContain(oldTemplate);
  });

  it('is not made at all from migrations that fail, and the error names them', async () => {
    const migrationsDir = join(await freshTempDir('oos-migrations-'), 'migrations');
    await addMigration(migrationsDir, '20260101000000_ok', 'CREATE TABLE "kept" ("id" INTEGER);\n');
    await addMigration(migrationsDir, '20260102000000_broken', 'INSERT INTO "missing_table" VALUES (1);\n');
    const templatesDir = await freshTempDir('oos-templates-');
    const parent = await freshTempDir();
    const opening = openEmbeddedDatabase({
      dir: join(parent, 'inventory'),
      label: 'inventory',
      migrationsDir,
      templatesDir,
    });
    await expect(opening).rejects.toThrow(`Could not apply the migrations of ${migrationsDir}`);
    await expect(opening).rejects.toThrow(/missing_table/);
    // No half-made database or template is left to be picked up later.
    expect(await readdir(parent)).toEqual([]);
    expect((await templatesIn(templatesDir)).filter((name) => name.startsWith('inventory'))).toEqual([]);
  });

  it('is made in place when templates cannot be kept', async () => {
    const blocker = join(await freshTempDir(), 'a-file');
    await writeFile(blocker, 'not a directory');
    const dir = join(await freshTempDir(), 'inventory');
    const options = {
      label: 'inventory',
      migrationsDir: inventoryMigrationsDir,
      templatesDir: join(blocker, 'x'),
    };
    const history = await withOpen(openEmbeddedDatabase({ ...options, dir }), historyOf);
    const { migrationDirectories } = await readMigrationsFolder(inventoryMigrationsDir);
    expect(history.map((row) => row.finished)).toEqual(migrationDirectories.map(() => true));
  });

  it('removes a half-made copy that a killed process left beside it', async () => {
    const parent = await freshTempDir();
    // A pid that cannot be running: above the kernel's pid_max.
    const abandoned = join(parent, 'inventory.tmp-99999999-0123abcd');
    await mkdir(abandoned);
    await writeFile(join(abandoned, 'PG_VERSION'), '17\n');
    await withOpen(
      openEmbeddedDatabase({
        dir: join(parent, 'inventory'),
        label: 'inventory',
        migrationsDir: inventoryMigrationsDir,
      }),
      async () => {},
    );
    expect(await readdir(parent)).toEqual(['inventory']);
  });
});

describe('an embedded data directory', () => {
  const options = { label: 'inventory', migrationsDir: inventoryMigrationsDir };

  it('is opened by one process at a time', async () => {
    const dir = join(await freshTempDir(), 'inventory');
    const holder = await openEmbeddedDatabase({ ...options, dir });
    try {
      const second = openEmbeddedDatabase({ ...options, dir });
      await expect(second).rejects.toThrow(
        `The embedded database in ${dir} is in use by process ${process.pid}`,
      );
      await expect(second).rejects.toThrow(/Stop that process, or set DATA_DIR to another folder/);
    } finally {
      await holder.close();
    }
    await withOpen(openEmbeddedDatabase({ ...options, dir }), async () => {});
  });

  it('is not written into when it holds something other than a database', async () => {
    const dir = join(await freshTempDir(), 'inventory');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const opening = openEmbeddedDatabase({ ...options, dir });
    await expect(opening).rejects.toThrow(`${dir} is not empty and holds no embedded database`);
    await expect(opening).rejects.toThrow(/Move it away or delete it, or set DATA_DIR/);
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('keeps every committed row when its process is killed, and reopens without help', async () => {
    const migrationsDir = join(await freshTempDir('oos-migrations-'), 'migrations');
    await addMigration(
      migrationsDir,
      '20260101000000_kills',
      'CREATE TABLE "kills" ("id" INTEGER PRIMARY KEY);\n',
    );
    const templatesDir = await freshTempDir('oos-templates-');
    const dir = join(await freshTempDir(), 'fixture');

    // One process (no tsx wrapper in between), so the kill reaches the writer itself.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', writeUntilKilled, dir, migrationsDir, templatesDir],
      {
        cwd: packageDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.split('\n').length > 200) resolve();
      });
      child.once('exit', () => reject(new Error(`the writer ended before it was killed:\n${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // What the kill left: PostgreSQL's postmaster.pid and our lock, naming a process that is gone.
    expect(await readdir(dir)).toContain('postmaster.pid');
    expect(JSON.parse(await readFile(lockFileOf(dir), 'utf8'))).toMatchObject({ pid: child.pid });
    // Every line ended by a newline was printed after its commit returned; a last line may be cut short.
    const committed = stdout.split('\n').slice(0, -1).map(Number);
    await withOpen(
      openEmbeddedDatabase({ dir, label: 'fixture', migrationsDir, templatesDir }),
      async (db) => {
        const rows = await db.query<{ id: number }>('SELECT id FROM kills');
        const stored = new Set(rows.rows.map((row) => row.id));
        expect(committed.filter((id) => !stored.has(id))).toEqual([]);
        // The lock now names this process.
        expect(JSON.parse(await readFile(lockFileOf(dir), 'utf8'))).toMatchObject({
          pid: process.pid,
        });
      },
    );
  });
});

await describeWithPostgres('an embedded database made from a template, seen by the migrator', () => {
  let database: TestDatabase;
  afterAll(async () => {
    await database?.drop();
  });

  it('records the same migration history as a deploy to PostgreSQL, in the same table', async () => {
    database = await createTestDatabase('embedded_template');
    await deployMigrationsToUrl(database.url, inventoryMigrationsDir);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const COLUMNS = `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
      FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`;
    let onPostgres: { history: MigrationRow[]; columns: unknown[] };
    try {
      onPostgres = {
        history: (await client.query<MigrationRow>(HISTORY)).rows,
        columns: (await client.query(COLUMNS)).rows,
      };
    } finally {
      await client.end();
    }

    const template = await ensureTemplate({ label: 'inventory', migrationsDir: inventoryMigrationsDir });
    const dir = join(await freshTempDir(), 'inventory');
    await withOpen(
      openEmbeddedDatabase({ dir, label: 'inventory', migrationsDir: inventoryMigrationsDir }),
      async (db) => {
        expect(recorded(await historyOf(db))).toEqual(recorded(onPostgres.history));
        expect((await db.query(COLUMNS)).rows).toEqual(onPostgres.columns);
      },
    );
    expect(template).toMatch(/inventory-[0-9a-f]{20}$/);
  });
});
