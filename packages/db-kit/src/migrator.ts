import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import {
  type MigrationAdapter,
  pgliteMigrationAdapter,
  postgresMigrationAdapter,
} from './migration-adapters.ts';
import { readMigrationsFolder } from './migrations-folder.ts';
import { describeEngineError, startSchemaEngine } from './schema-engine.ts';

const NO_FILTERS = { externalTables: [], externalEnums: [] };

async function withEngine<T>(
  adapter: MigrationAdapter,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  try {
    const engine = await startSchemaEngine(adapter.factory);
    try {
      return await run(engine);
    } catch (error) {
      throw describeEngineError(error);
    } finally {
      engine.free();
    }
  } finally {
    await adapter.release();
  }
}

async function applyMigrations(adapter: MigrationAdapter, migrationsList: MigrationList): Promise<string[]> {
  const output = await withEngine(adapter, (engine) =>
    engine.applyMigrations({ migrationsList, filters: NO_FILTERS }),
  );
  return output.appliedMigrationNames;
}

/**
 * What `prisma migrate deploy` does: applies the migrations of `migrationsDir` not yet recorded in
 * `_prisma_migrations`, in order, each atomically, and returns their names (empty when up to date).
 */
export async function deployMigrationsToUrl(url: string, migrationsDir: string): Promise<string[]> {
  const migrationsList = await readMigrationsFolder(migrationsDir);
  return applyMigrations(postgresMigrationAdapter(url), migrationsList);
}

/**
 * Whether any migration folder is not yet recorded as finished. Checked before starting the schema engine, whose
 * WebAssembly start-up dominates an embedded restart when everything is already applied; any doubt (no table, a
 * folder not recorded) goes to the engine, which remains the only thing that applies anything.
 */
async function hasPendingMigrations(db: PGlite, migrationsDir: string): Promise<boolean> {
  const { migrationDirectories } = await readMigrationsFolder(migrationsDir);
  const table = await db.query<{ present: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present",
  );
  if (table.rows[0]?.present !== true) return true;
  const applied = await db.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const names = new Set(applied.rows.map((row) => row.migration_name));
  return migrationDirectories.some((directory) => !names.has(directory.path));
}

/**
 * What `prisma migrate deploy` does, through the schema engine, on an open PGlite (which stays open), for an
 * already loaded migrations folder. The embedded templates are made with it, so their `_prisma_migrations` history
 * is the engine's own.
 */
export function applyMigrationListToPglite(db: PGlite, migrationsList: MigrationList): Promise<string[]> {
  return applyMigrations(
    pgliteMigrationAdapter(db, () => {
      throw new Error('deploying migrations needs no shadow database');
    }),
    migrationsList,
  );
}

/** As {@link deployMigrationsToUrl}, on an open PGlite (which stays open). */
export async function deployMigrationsToPglite(db: PGlite, migrationsDir: string): Promise<string[]> {
  if (!(await hasPendingMigrations(db, migrationsDir))) return [];
  return applyMigrationListToPglite(db, await readMigrationsFolder(migrationsDir));
}

/**
 * What `prisma migrate dev --create-only` computes: the SQL that takes a database built from the existing
 * migrations to the schema. The history is replayed into throwaway in-memory PGlite databases, so no
 * server is needed. Returns null when the schema has no changes.
 */
export async function diffSchemaAgainstMigrations(
  schemaPath: string,
  migrationsDir: string,
): Promise<string | null> {
  const [content, migrationsList] = await Promise.all([
    readFile(schemaPath, 'utf8'),
    readMigrationsFolder(migrationsDir),
  ]);
  const main = new PGlite();
  const scratch = [main];
  const adapter = pgliteMigrationAdapter(main, () => {
    const shadow = new PGlite();
    scratch.push(shadow);
    return shadow;
  });
  try {
    const result = await withEngine(adapter, (engine) =>
      engine.diff({
        from: { tag: 'migrations', ...migrationsList },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content }] },
        script: true,
        // exitCode 2 means "there is a difference", which is how an empty diff is told apart.
        exitCode: true,
        filters: NO_FILTERS,
      }),
    );
    if (result.exitCode !== 2 || result.stdout === null) return null;
    return result.stdout;
  } finally {
    await Promise.all(scratch.map((db) => db.close()));
  }
}
