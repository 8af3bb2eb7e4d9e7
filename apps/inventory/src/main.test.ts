import { freshTempDir } from '@oos/db-kit/testing';
import { describe, expect, it } from 'vitest';
import { http } from '../test/http.ts';
import { spawnMain } from '../test/spawn-main.ts';

async function listeningUrl(output: () => string): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output());
    if (match?.[1]) return match[1];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the service did not report listening:\n${output()}`);
}

describe('inventory main (embedded mode)', () => {
  it('seeds SKU1=50 on first start, keeps stock across restarts and stops cleanly on SIGTERM', async () => {
    const dataDir = await freshTempDir('inventory-main-');
    const env = { DATA_DIR: dataDir, INVENTORY_PORT: '0', LOG_LEVEL: 'info' };

    const first = spawnMain(env);
    const url = await listeningUrl(first.output);
    expect(await http(url, 'GET', '/stock/SKU1')).toMatchObject({ status: 200, body: { quantity: 50 } });
    const reserve = await http(url, 'POST', '/reserve', {
      reservation_id: 'main-test',
      items: [{ sku: 'SKU1', quantity: 5 }],
    });
    expect(reserve).toMatchObject({ status: 200, body: { reserved: true } });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"message":"stopped"');

    // A second start must not re-seed over what happened since.
    const second = spawnMain(env);
    const again = await listeningUrl(second.output);
    expect(await http(again, 'GET', '/stock/SKU1')).toMatchObject({ status: 200, body: { quantity: 45 } });
    expect(second.output()).not.toContain('seeded demo stock');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
