import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';

export { freePort } from './free-port.ts';

const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The admin URL tests create their databases through: `TEST_DATABASE_URL`, or the local default. */
export function testDatabaseUrl(): string {
  const fromEnv = process.env.TEST_DATABASE_URL?.trim();
  return fromEnv === undefined || fromEnv === '' ? DEFAULT_TEST_DATABASE_URL : fromEnv;
}

/** Whether this runs under CI (`CI` set to anything but empty, 0 or false): there a missing service fails. */
export function isCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

async function withAdminClient<T>(
  run: (client: pg.Client) => Promise<T>,
  url = testDatabaseUrl(),
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

let availability: Promise<boolean> | undefined;

/** Whether the test PostgreSQL answers; probed once per test file. */
export function isPostgresAvailable(): Promise<boolean> {
  availability ??= withAdminClient(async (client) => {
    await client.query('SELECT 1');
    return true;
  }).catch(() => false);
  return availability;
}

function unavailableMessage(): string {
  return `PostgreSQL is not reachable at ${testDatabaseUrl()} (set TEST_DATABASE_URL to point elsewhere)`;
}

export interface PostgresForTests {
  available: boolean;
  /** The admin URL; create per-suite databases with {@link createTestDatabase}. */
  adminUrl: string;
}

/**
 * Probes PostgreSQL for a suite. Unreachable under `CI` is an error, so a CI run cannot pass by skipping
 * every database test; locally it prints a loud warning and lets the caller skip.
 */
export async function postgresForTests(): Promise<PostgresForTests> {
  const available = await isPostgresAvailable();
  if (!available) {
    if (isCi()) throw new Error(`${unavailableMessage()}: database tests cannot be skipped under CI`);
    console.warn(`\n⚠️  SKIPPING DATABASE TESTS: ${unavailableMessage()}.\n`);
  }
  return { available, adminUrl: testDatabaseUrl() };
}

/**
 * `describe` for suites that need PostgreSQL, used with top-level await:
 * `await describeWithPostgres('orders', () => { ... })`. Skipped (with a warning) when PostgreSQL is
 * unreachable, except under `CI`, where a failing test is registered instead.
 */
export async function describeWithPostgres(name: string, body: () => void): Promise<void> {
  if (await isPostgresAvailable()) {
    describe(name, body);
    return;
  }
  if (isCi()) {
    describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error(`${unavailableMessage()}: database tests cannot be skipped under CI`);
      });
    });
    return;
  }
  console.warn(`\n⚠️  SKIPPING "${name}": ${unavailableMessage()}.\n`);
  describe.skip(name, body);
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Terminates the database's connections and drops it. */
  drop(): Promise<void>;
}

function identifierPart(prefix: string): string {
  return prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 30);
}

/** Creates a fresh, empty database `oos_test_<prefix>_<random>` on the test server. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = testDatabaseUrl();
  const name = `oos_test_${identifierPart(prefix)}_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`), adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop: () => {
      dropping ??= withAdminClient(async (client) => {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }, adminUrl);
      return dropping;
    },
  };
}

const tempDirs: string[] = [];

function removeTempDirs(): void {
  for (const path of tempDirs.splice(0)) rmSync(path, { recursive: true, force: true });
}

// Importing this module from a test file registers the clean-up for that file: vitest's workers are stopped
// without a normal exit, so an 'exit' listener alone leaves the directories behind.
afterAll(removeTempDirs);
process.once('exit', removeTempDirs);

/**
 * A new empty directory under the OS temp dir (e.g. for PGlite data), removed after the test file's
 * tests, since PGlite directories are tens of megabytes each.
 */
export async function freshTempDir(prefix = 'oos-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
