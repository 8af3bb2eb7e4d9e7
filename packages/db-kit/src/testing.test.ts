import pg from 'pg';
import { expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres, testDatabaseUrl } from './testing.ts';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

await describeWithPostgres('createTestDatabase', () => {
  it('creates a uniquely named database and drops it even while a connection is open', async () => {
    const [a, b] = await Promise.all([
      createTestDatabase('Some Prefix!'),
      createTestDatabase('Some Prefix!'),
    ]);
    if (a === undefined || b === undefined) throw new Error('expected two databases');
    expect(a.name).toMatch(/^oos_test_some_prefix__[0-9a-f]{12}$/);
    expect(a.name).not.toBe(b.name);

    const holder = new pg.Client({ connectionString: a.url });
    holder.on('error', () => {});
    await holder.connect();
    expect(await databaseExists(a.name)).toBe(true);

    await Promise.all([a.drop(), b.drop()]);
    expect(await databaseExists(a.name)).toBe(false);
    expect(await databaseExists(b.name)).toBe(false);
    await holder.end().catch(() => {});
  });
});
