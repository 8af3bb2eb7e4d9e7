import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from './testing.ts';

const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const inventoryCli = fileURLToPath(new URL('../../db-inventory/src/cli.ts', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the inventory CLI; a run that does not end by itself within a minute is killed (and fails). */
function runInventoryCli(args: string[], env: Record<string, string>): Promise<Run> {
  const { INVENTORY_DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [inventoryCli, ...args], { env: { ...inherited, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('db:migrate CLI without a URL', () => {
  it('skips, ignoring a plain DATABASE_URL', async () => {
    const run = await runInventoryCli(['deploy'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/wrong' });
    expect(run.stdout.trim()).toBe('skipped: INVENTORY_DATABASE_URL not set');
    expect(run.code).toBe(0);
  });

  it('refuses an unknown command', async () => {
    const run = await runInventoryCli(['upgrade'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: deploy | new <migration_name>');
  });
});

await describeWithPostgres('db:migrate CLI against PostgreSQL', () => {
  let database: TestDatabase;
  afterAll(async () => {
    await database?.drop();
  });

  it('applies the migrations, exits 0 by itself, and applies nothing the second time', async () => {
    database = await createTestDatabase('cli');
    const first = await runInventoryCli(['deploy'], { INVENTORY_DATABASE_URL: database.url });
    expect(first).toMatchObject({ code: 0, signal: null });
    expect(first.stdout).toMatch(/^inventory: applied \d{14}_init$/m);

    const second = await runInventoryCli(['deploy'], { INVENTORY_DATABASE_URL: database.url });
    expect(second).toMatchObject({ code: 0, signal: null });
    expect(second.stdout.trim()).toBe('inventory: no pending migrations');
  });

  it('exits non-zero, naming the variable, when the database cannot be migrated', async () => {
    const missing = new URL(database.url);
    missing.pathname = `${missing.pathname}_missing`;
    const run = await runInventoryCli(['deploy'], { INVENTORY_DATABASE_URL: missing.toString() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('INVENTORY_DATABASE_URL');
    expect(run.stderr).toContain('failed');
  });
});
