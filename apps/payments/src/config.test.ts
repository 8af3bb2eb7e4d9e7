import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readPaymentsConfig } from './config.ts';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['src/main.ts'], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('configuration', () => {
  it('defaults: port 9002 on 127.0.0.1, decline above 1000000 cents', () => {
    const config = readPaymentsConfig({});
    expect(config).toMatchObject({ port: 9002, host: '127.0.0.1', declineAboveCents: 1_000_000 });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('reads PAYMENTS_DECLINE_ABOVE_CENTS and lets PAYMENTS_PORT win over PORT', () => {
    const config = readPaymentsConfig({
      PAYMENTS_DECLINE_ABOVE_CENTS: '500',
      PORT: '1234',
      PAYMENTS_PORT: '4321',
    });
    expect(config).toMatchObject({ declineAboveCents: 500, port: 4321 });
  });

  it('names the variable of a bad value', () => {
    expect(() => readPaymentsConfig({ PAYMENTS_DECLINE_ABOVE_CENTS: '-1' })).toThrow(
      /PAYMENTS_DECLINE_ABOVE_CENTS/,
    );
  });

  it('the process stops with a non-zero exit naming PAYMENTS_DECLINE_ABOVE_CENTS=abc', async () => {
    const { code, stderr } = await runMain({ PAYMENTS_DECLINE_ABOVE_CENTS: 'abc' });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toMatch(/PAYMENTS_DECLINE_ABOVE_CENTS/);
  });
});
