import { describe, expect, it } from 'vitest';
import { spawnMain } from '../test/spawn-main.ts';
import { readInventoryConfig } from './config.ts';

describe('inventory configuration', () => {
  it('defaults to 127.0.0.1:9001 and embedded mode', () => {
    const config = readInventoryConfig({});
    expect(config).toMatchObject({ port: 9001, host: '127.0.0.1', databaseUrl: undefined });
  });

  it('prefers INVENTORY_PORT and INVENTORY_DATABASE_URL over the plain spellings', () => {
    const config = readInventoryConfig({
      PORT: '1234',
      INVENTORY_PORT: '4321',
      DATABASE_URL: 'postgresql://plain/db',
      INVENTORY_DATABASE_URL: 'postgresql://prefixed/db',
    });
    expect(config).toMatchObject({ port: 4321, databaseUrl: 'postgresql://prefixed/db' });
  });

  it('names the variable that holds a bad value', () => {
    expect(() => readInventoryConfig({ INVENTORY_PORT: 'abc' })).toThrow(/INVENTORY_PORT/);
    expect(() => readInventoryConfig({ API_MAX_BYTES: '0' })).toThrow(/API_MAX_BYTES/);
  });

  it('stops the process with a message naming INVENTORY_PORT when it is not a port', async () => {
    const main = spawnMain({ INVENTORY_PORT: 'abc' });
    const code = await main.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(main.output()).toContain('INVENTORY_PORT');
  });
});
