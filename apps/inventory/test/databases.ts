import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type Database, migrationsDir, openInventoryDatabase, type PrismaClient } from '@oos/db-inventory';
import { deployMigrationsToUrl } from '@oos/db-kit';
import { createTestDatabase, freshTempDir } from '@oos/db-kit/testing';

export type DatabaseKind = 'embedded' | 'postgres';

export interface TestDatabase {
  db: Database<PrismaClient>;
  /** Closes the client and deletes the database (or its directory). */
  drop(): Promise<void>;
}

/** A fresh database per suite, migrated with db-kit's migrator (PostgreSQL mode never migrates on open). */
export async function freshPostgresDatabase(poolMax = 20): Promise<TestDatabase> {
  const created = await createTestDatabase('inventory');
  await deployMigrationsToUrl(created.url, migrationsDir);
  const db = await openInventoryDatabase({ url: created.url, dataDir: tmpdir(), poolMax });
  return {
    db,
    drop: async () => {
      await db.close();
      await created.drop();
    },
  };
}

/** An embedded PGlite database in a new temporary directory, migrated on open like `pnpm start` does. */
export async function freshEmbeddedDatabase(): Promise<TestDatabase> {
  const dataDir = await freshTempDir('inventory-test-');
  const db = await openInventoryDatabase({ dataDir });
  return {
    db,
    drop: async () => {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function freshDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  return kind === 'postgres' ? freshPostgresDatabase() : freshEmbeddedDatabase();
}
