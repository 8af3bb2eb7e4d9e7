import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { databaseUrlVariable } from '@oos/db-kit';
import { createTestDatabase, describeWithPostgres, isCi, type TestDatabase } from '@oos/db-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { environmentOf, readCompose, service } from './compose-file.ts';
import { freePort, isRedisAvailable, type RunningApp, redisCommands, run, startApp } from './processes.ts';
import { APPS, type AppName, PREFIX, REPO_ROOT } from './repo.ts';

// The proof that what docker-compose.yml runs works, without Docker: the compiled apps run with plain node,
// NODE_ENV=production and compose's own environment blocks, changing only where things are (hosts, ports,
// database names, the Redis database) and the create rate limit, so a 429 is reachable.

const RATE_LIMIT_CREATE = 5;

const orderSchema = z.object({ id: z.uuid(), status: z.string(), transaction_id: z.string() }).loose();
const pageSchema = z
  .object({ count: z.number(), results: z.array(z.object({ id: z.string() }).loose()) })
  .loose();
const redisBase = process.env.TEST_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
// A database number of its own, flushed before the run: earlier runs' counters must not limit this one.
const redisUrl = `${redisBase.replace(/\/\d*$/, '')}/13`;
const redisAvailable = await isRedisAvailable(redisUrl);
if (!redisAvailable && isCi())
  throw new Error(`Redis is not reachable at ${redisUrl}: the stack proof cannot be skipped under CI`);
if (!redisAvailable)
  console.warn(
    `\n⚠️  SKIPPING THE STACK PROOF: Redis is not reachable at ${redisUrl} (set TEST_REDIS_URL).\n`,
  );

function appDir(app: AppName): string {
  return path.join(REPO_ROOT, 'apps', app);
}

/** Points a compose URL at the local stand-in: same scheme, credentials and path shape, other host/port/db. */
function relocate(url: string, target: string): string {
  const local = new URL(target);
  const moved = new URL(url);
  moved.host = local.host;
  moved.pathname = local.pathname;
  moved.username = local.username;
  moved.password = local.password;
  return moved.toString();
}

const suite = redisAvailable
  ? describeWithPostgres
  : async (name: string, body: () => void) => describe.skip(name, body);

await suite('the compose stack, as processes', () => {
  const compose = readCompose();
  const databases = new Map<AppName, TestDatabase>();
  const ports = new Map<AppName, number>();
  const running: RunningApp[] = [];
  const envs = new Map<AppName, Record<string, string>>();
  let gateway = '';
  let token = '';

  function localEnv(app: AppName, composeEnv: Record<string, string>): Record<string, string> {
    const env = { ...composeEnv };
    const dbVariable = databaseUrlVariable(app);
    const database = databases.get(app);
    if (env[dbVariable] !== undefined && database !== undefined)
      env[dbVariable] = relocate(env[dbVariable], database.url);
    if (env.HOST !== undefined) env.HOST = '127.0.0.1';
    for (const other of APPS) {
      const port = `${PREFIX[other]}_PORT`;
      if (env[port] !== undefined) env[port] = String(ports.get(other));
      const baseUrl = `${PREFIX[other]}_BASE_URL`;
      if (env[baseUrl] !== undefined)
        env[baseUrl] = relocate(env[baseUrl], `http://127.0.0.1:${ports.get(other)}`);
    }
    if (env.REDIS_URL !== undefined) env.REDIS_URL = relocate(env.REDIS_URL, redisUrl);
    if (env.RATE_LIMIT_CREATE !== undefined) env.RATE_LIMIT_CREATE = String(RATE_LIMIT_CREATE);
    return env;
  }

  beforeAll(async () => {
    for (const app of APPS) {
      const built = await run('node', ['../../tooling/scripts/build-app.mjs'], appDir(app), {});
      expect(built.code, built.output).toBe(0);
      databases.set(app, await createTestDatabase(`stack_${app}`));
      ports.set(app, await freePort());
    }
    for (const app of APPS) envs.set(app, localEnv(app, environmentOf(compose, app)));
    token = envs.get('gateway')?.INTERNAL_API_TOKEN ?? '';
    expect(await redisCommands(redisUrl, [['SELECT', '13'], ['FLUSHDB']])).toBe('+OK\r\n+OK\r\n');

    // What the *-migrate services run, then what `pnpm db:migrate` runs: the second must find nothing to do.
    const migrateEnv: Record<string, string> = {};
    for (const app of APPS) {
      const definition = service(compose, `${app}-migrate`);
      const [command = '', ...args] = definition.command ?? [];
      const env = localEnv(app, environmentOf(compose, `${app}-migrate`));
      const migrated = await run(command, args, appDir(app), { ...env, NODE_ENV: 'production' });
      expect(migrated.code, migrated.output).toBe(0);
      expect(migrated.output).toMatch(new RegExp(`^${app}: applied \\d+_\\w+`, 'm'));
      Object.assign(migrateEnv, env);
    }
    const again = await run('pnpm', ['db:migrate'], REPO_ROOT, migrateEnv);
    expect(again.code, again.output).toBe(0);
    for (const app of APPS) expect(again.output).toContain(`${app}: no pending migrations`);

    for (const app of ['inventory', 'payments', 'gateway'] as const) {
      running.push(
        await startApp(app, appDir(app), `http://127.0.0.1:${ports.get(app)}`, envs.get(app) ?? {}),
      );
    }
    gateway = `http://127.0.0.1:${ports.get('gateway')}`;
    // Production starts with no stock (the demo stock is for the embedded mode only): seed it as the README says.
    const seeded = await fetch(`http://127.0.0.1:${ports.get('inventory')}/stock/SKU1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ quantity: 50 }),
    });
    expect(seeded.status).toBe(200);
  });

  afterAll(async () => {
    await Promise.allSettled(running.map((app) => app.stop()));
    await Promise.allSettled([...databases.values()].map((database) => database.drop()));
  });

  it('passes the healthchecks compose runs', async () => {
    for (const app of APPS) {
      const [, command = '', ...args] = service(compose, app).healthcheck?.test ?? [];
      const script = args.map((arg) => arg.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${ports.get(app)}`));
      const result = await run(command, script, appDir(app), {});
      expect({ app, code: result.code }).toEqual({ app, code: 0 });
    }
  });

  it('refuses internal calls without the service token', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.get('inventory')}/stock/SKU1`);
    expect(response.status).toBe(401);
  });

  it("runs the README's flow through the gateway", async () => {
    const key = randomUUID();
    const order = { items: [{ sku: 'SKU1', quantity: 2 }], amount_cents: 1500, currency: 'EUR' };
    const create = (body: unknown, idempotencyKey?: string) =>
      fetch(`${gateway}/api/orders/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
        },
        body: JSON.stringify(body),
      });

    const first = await create(order, key);
    const firstBody = await first.text();
    expect(first.status, firstBody).toBe(201);
    const created = orderSchema.parse(JSON.parse(firstBody));
    expect(created).toMatchObject({ status: 'CONFIRMED', amount_cents: 1500, currency: 'EUR' });

    const replay = await create(order, key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(await replay.text()).toBe(firstBody);

    const conflict = await create({ ...order, amount_cents: 1600 }, key);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ detail: 'IDEMPOTENCY_CONFLICT' });

    const list = await fetch(`${gateway}/api/orders/?page=1&page_size=20`);
    expect(list.status).toBe(200);
    const page = pageSchema.parse(await list.json());
    expect(page).toMatchObject({ page: 1, page_size: 20 });
    expect(page.count).toBeGreaterThanOrEqual(1);
    expect(page.results.map((item) => item.id)).toContain(created.id);

    const detail = await fetch(`${gateway}/api/orders/${created.id}/`);
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ id: created.id, status: 'CONFIRMED' });

    const shortage = await create({ ...order, items: [{ sku: 'SKU1', quantity: 1000 }] }, randomUUID());
    expect(shortage.status).toBe(422);
    expect(await shortage.json()).toMatchObject({ detail: 'INSUFFICIENT_STOCK' });

    const declined = await create({ ...order, amount_cents: 2_000_000 }, randomUUID());
    expect(declined.status).toBe(402);
    expect(await declined.json()).toMatchObject({ detail: 'PAYMENT_FAILED' });

    // Five creates so far, RATE_LIMIT_CREATE of them per minute: the next one is limited, with the counter in Redis.
    const limited = await create(order, randomUUID());
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ detail: 'RATE_LIMITED' });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    const keys = await redisCommands(redisUrl, [['SELECT', '13'], ['DBSIZE']]);
    expect(keys).toMatch(/^\+OK\r\n:[1-9]\d*\r\n$/);
  });
});
