import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshEmbeddedDatabase, type TestDatabase } from '../../test/databases.ts';
import { type RunningInventory, startInventory } from '../../test/start-inventory.ts';
import { runStockCommand } from './stock-command.ts';

describe('stock CLI', () => {
  const token = 'cli-test-token-0123456789';
  let database: TestDatabase;
  let app: RunningInventory;

  beforeAll(async () => {
    database = await freshEmbeddedDatabase();
    app = await startInventory({ db: database.db, internalToken: token });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function run(
    argv: string[],
    env: Record<string, string> = { INVENTORY_BASE_URL: app.url, INTERNAL_API_TOKEN: token },
  ) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runStockCommand(argv, {
      env,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('sets and gets stock over HTTP, printing the JSON answer', async () => {
    const set = await run(['set', 'cli1', '50']);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(set.out)).toEqual({ sku: 'CLI1', quantity: 50 });
    const get = await run(['get', 'CLI1']);
    expect(JSON.parse(get.out)).toEqual({ sku: 'CLI1', quantity: 50 });
    expect(await app.client.getStock.query({ sku: 'CLI1' })).toEqual({ sku: 'CLI1', quantity: 50 });
  });

  it.each([
    [[], 'missing command'],
    [['move', 'SKU1'], 'unknown command'],
    [['get'], 'takes 1 argument'],
    [['set', 'SKU1'], 'takes 2 argument'],
    [['set', 'SKU1', '-3'], 'QUANTITY'],
    [['set', 'SKU1', '1.5'], 'QUANTITY'],
    [['set', 'SKU1', '2147483648'], 'QUANTITY'],
    [['get', 'a!'], 'SKU'],
  ])('exits 1 with a message for bad arguments %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(1);
    expect(result.err).toContain(message);
    expect(result.err).toContain('usage:');
  });

  it('exits 1 naming the URL when the service is not running', async () => {
    const result = await run(['get', 'SKU1'], { INVENTORY_BASE_URL: 'http://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.err).toContain('cannot reach the inventory service at http://127.0.0.1:1');
  });

  it('exits 1 with the service answer when it refuses the call', async () => {
    const result = await run(['get', 'SKU1'], { INVENTORY_BASE_URL: app.url });
    expect(result.code).toBe(1);
    expect(result.err).toContain('401');
    expect(result.err).toContain('UNAUTHORIZED');
  });
});
