import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const SRC = new URL('..', import.meta.url);
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

// `pnpm bench` and `pnpm chaos` run under tsx, not vitest: a module that needs vitest's runner (as
// @oos/db-kit/testing does, registering hooks on import) breaks them while every test still passes.
// Everything the two entry points import, loaded the way they load it; none of it starts anything on import.
const MODULES = [
  'bench/autocannon-run.ts',
  'bench/bench-setup.ts',
  'bench/cold-start.ts',
  'bench/databases.ts',
  'bench/report.ts',
  'chaos/run.ts',
  'chaos/webhook-invariants.ts',
  'chaos/webhook-receiver.ts',
  'stack/apps.ts',
  'stack/cpu.ts',
  'stack/http.ts',
  'stack/ports.ts',
  'stack/process.ts',
  'stack/redis-server.ts',
];

it('the bench and chaos modules load outside vitest', async () => {
  const imports = MODULES.map((module) => `await import(${JSON.stringify(new URL(module, SRC).href)});`);
  const dir = await mkdtemp(join(tmpdir(), 'oos-cli-imports-'));
  try {
    const script = join(dir, 'load.mts');
    await writeFile(script, `${imports.join('\n')}\nconsole.log('loaded');\n`);
    const { stdout } = await promisify(execFile)(TSX, [script], {
      cwd: fileURLToPath(SRC),
      env: { ...process.env, VITEST: '', VITEST_POOL_ID: '', VITEST_WORKER_ID: '' },
    });
    expect(stdout.trim()).toBe('loaded');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
