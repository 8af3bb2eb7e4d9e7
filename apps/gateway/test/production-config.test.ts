import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

/** `tsx src/main.ts` with exactly these variables (plus PATH); how it exited and what it said. */
function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['src/main.ts'], {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? '', GATEWAY_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const SAFE = {
  NODE_ENV: 'production',
  INTERNAL_API_TOKEN: 'a-long-enough-internal-token',
  GATEWAY_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/never_reached',
  CORS_ALLOWED_ORIGINS: 'https://shop.example',
};

describe('NODE_ENV=production refuses unsafe configuration at start', () => {
  it.each([
    ['without INTERNAL_API_TOKEN', { INTERNAL_API_TOKEN: undefined }, /INTERNAL_API_TOKEN: required/],
    ['without a database URL', { GATEWAY_DATABASE_URL: undefined }, /GATEWAY_DATABASE_URL: required/],
    ['with a * CORS origin', { CORS_ALLOWED_ORIGINS: '*' }, /CORS_ALLOWED_ORIGINS: "\*" is not allowed/],
  ])('%s', async (_case, change, message) => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...SAFE, ...change }))
      if (value !== undefined) env[name] = value;
    const { code, output } = await start(env);
    expect(code).toBe(1);
    expect(output).toMatch(message);
  });
});
