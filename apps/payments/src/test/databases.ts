import { rm } from 'node:fs/promises';
import { deployMigrationsToUrl } from '@oos/db-kit';
import { createTestDatabase, freshTempDir, postgresForTests } from '@oos/db-kit/testing';
import { migrationsDir, type OpenPaymentsDatabaseOptions } from '@oos/db-payments';

export type DatabaseMode = 'postgres' | 'embedded';

export interface TestDatabase {
  options: OpenPaymentsDatabaseOptions;
  drop(): Promise<void>;
}

/**
 * The modes a functional suite runs against: both, or only the embedded one when PostgreSQL is unreachable
 * locally (db-kit warns loudly, and fails instead under CI).
 */
export async function availableModes(): Promise<DatabaseMode[]> {
  return (await postgresForTests()).available ? ['postgres', 'embedded'] : ['embedded'];
}

/** A database nobody else uses: a new PostgreSQL database with the migrations applied, or a new PGlite dir. */
export async function testDatabase(mode: DatabaseMode): Promise<TestDatabase> {
  const dataDir = await freshTempDir('oos-payments-');
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  if (mode === 'embedded') return { options: { dataDir }, drop: removeDir };
  const database = await createTestDatabase('payments');
  await deployMigrationsToUrl(database.url, migrationsDir);
  return {
    // Room for the concurrency tests' 20 simultaneous calls without queueing on the pool.
    options: { url: database.url, dataDir, poolMax: 25 },
    drop: async () => {
      await database.drop();
      await removeDir();
    },
  };
}
