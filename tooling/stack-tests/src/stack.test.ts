import { randomUUID } from 'node:crypto';
import { describeWithPostgres, isCi } from '@oos/db-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { environmentOf, readCompose, service } from './compose-file.ts';
import { appDir, type ComposeStack, startComposeStack } from './compose-stack.ts';
import { type EdgeAnswer, edgeRequest } from './edge-client.ts';
import { chargesOf, ordersByKey, ordersOfSku, stockOf } from './ledger.ts';
import { logLines } from './log-lines.ts';
import { nginxBinary } from './nginx.ts';
import { isRedisAvailable, redisCommands, run } from './processes.ts';
import { eventually, killReplicaUnderLoad } from './replica-kill.ts';
import { APPS } from './repo.ts';
import { stackClients } from './stack-clients.ts';

// The proof that what docker-compose.yml runs works, without Docker: the TLS edge (the real nginx with the
// template the proxy service mounts and a certificate from `pnpm tls:cert`) in front of THREE gateway replicas on
// one PostgreSQL database and one Redis, plus inventory and payments, all compiled, with NODE_ENV=production and
// compose's own environment blocks. Clients are told apart by the loopback address they connect from.

const GATEWAY_REPLICAS = 3;
// Shortened so the proof of recovery after a SIGKILL does not wait the production 30 s lease (CONTRACT §2).
const GATEWAY_OVERRIDES = { RECOVERY_INTERVAL_MS: '500', RECOVERY_LEASE_MS: '5000' };

const orderSchema = z.object({ id: z.uuid(), status: z.string(), transaction_id: z.string() }).loose();
const pageSchema = z
  .object({ count: z.number(), results: z.array(z.object({ id: z.string() }).loose()) })
  .loose();
const problemSchema = z.object({ detail: z.string(), order_id: z.string().optional() }).loose();

const redisBase = process.env.TEST_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
// A database number of its own, flushed before the run: earlier runs' counters must not limit this one.
const redisUrl = `${redisBase.replace(/\/\d*$/, '')}/13`;
const redisAvailable = await isRedisAvailable(redisUrl);
const nginx = nginxBinary();
const missing = [
  ...(redisAvailable ? [] : [`Redis at ${redisUrl} (set TEST_REDIS_URL)`]),
  ...(nginx === undefined ? ["nginx (Debian's package: apt-get install nginx)"] : []),
];
if (missing.length > 0 && isCi())
  throw new Error(`the stack proof needs ${missing.join(' and ')}: it cannot be skipped under CI`);
if (missing.length > 0) console.warn(`\n⚠️  SKIPPING THE STACK PROOF: it needs ${missing.join(' and ')}.\n`);

const suite =
  missing.length === 0
    ? describeWithPostgres
    : async (name: string, body: () => void) => describe.skip(name, body);

function parse<T>(schema: z.ZodType<T>, answer: EdgeAnswer): T {
  return schema.parse(JSON.parse(answer.body));
}

await suite('the compose stack, as processes: TLS edge and three gateway replicas', () => {
  const compose = readCompose();
  let stack: ComposeStack;
  const http = stackClients(() => stack);
  const { viaEdge, createVia, asProxy } = http;
  const setStock = async (sku: string, quantity: number) =>
    expect(await http.setStock(sku, quantity)).toBe(200);

  beforeAll(async () => {
    expect(await redisCommands(redisUrl, [['SELECT', '13'], ['FLUSHDB']])).toBe('+OK\r\n+OK\r\n');
    stack = await startComposeStack(compose, {
      redisUrl,
      gatewayReplicas: GATEWAY_REPLICAS,
      gatewayOverrides: GATEWAY_OVERRIDES,
      nginx: nginx ?? 'nginx',
    });
    // Production starts with no stock (the demo stock is for the embedded mode only): seed it as the README says.
    await setStock('SKU1', 50);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('migrates each database as the *-migrate services do; pnpm db:migrate then finds nothing to do', () => {
    for (const app of APPS) {
      expect(stack.migrations.services.get(app)).toMatch(new RegExp(`^${app}: applied \\d+_\\w+`, 'm'));
      expect(stack.migrations.again).toContain(`${app}: no pending migrations`);
    }
  });

  it('passes the healthchecks compose runs, on every replica', async () => {
    const targets = [
      { app: 'inventory' as const, port: stack.ports.get('inventory') ?? 0 },
      { app: 'payments' as const, port: stack.ports.get('payments') ?? 0 },
      ...stack.gateways.map((gateway) => ({ app: 'gateway' as const, port: gateway.port })),
    ];
    for (const { app, port } of targets) {
      const [, command = '', ...args] = service(compose, app).healthcheck?.test ?? [];
      const script = args.map((arg) => arg.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`));
      const result = await run(command, script, appDir(app), {});
      expect({ app, port, code: result.code }).toEqual({ app, port, code: 0 });
    }
  });

  it('refuses internal calls without the service token', async () => {
    const response = await fetch(`${stack.inventory.url}/stock/SKU1`);
    expect(response.status).toBe(401);
  });

  it('answers HTTPS with Strict-Transport-Security, and redirects plain HTTP with a 308 to the same URL', async () => {
    const secure = await viaEdge('127.0.0.2', '/api/orders/?page=1&page_size=1');
    expect(secure.status).toBe(200);
    // Sent by the gateway, which believes X-Forwarded-Proto only because the request came from the proxy.
    expect(secure.headers['strict-transport-security']).toMatch(/^max-age=31536000\b/);

    for (const method of ['GET', 'POST']) {
      const plain = await edgeRequest({
        url: `${stack.edge.http}/api/orders/?page=2`,
        method,
        localAddress: '127.0.0.2',
      });
      expect({ method, status: plain.status }).toEqual({ method, status: 308 });
      expect(plain.headers.location).toBe(`https://localhost:${stack.edge.httpsPort}/api/orders/?page=2`);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
    }
    // The proxy's own health check (compose's healthcheck for the proxy service) is not redirected.
    const health = await edgeRequest({ url: `${stack.edge.http}/nginx-health` });
    expect(health.status).toBe(200);

    // Straight to a replica, from an address that is not the proxy: the forwarded headers are not believed, so
    // this is plain HTTP and SECURE_SSL_REDIRECT sends it to HTTPS.
    const forged = await edgeRequest({
      url: `http://127.0.0.1:${stack.gateways[0]?.port}/api/orders/`,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
      localAddress: '127.0.0.9',
    });
    expect(forged.status).toBe(308);
  });

  it("runs the README's flow through the TLS edge", async () => {
    const client = '127.0.0.2';
    const key = randomUUID();
    const order = { items: [{ sku: 'SKU1', quantity: 2 }], amount_cents: 1500, currency: 'EUR' };

    const first = await createVia(client, order, key);
    expect(first.status, first.body).toBe(201);
    const created = parse(orderSchema, first);
    expect(created).toMatchObject({ status: 'CONFIRMED', amount_cents: 1500, currency: 'EUR' });

    const replay = await createVia(client, order, key);
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replay']).toBe('true');
    expect(replay.body).toBe(first.body);

    const conflict = await createVia(client, { ...order, amount_cents: 1600 }, key);
    expect(conflict.status).toBe(409);
    expect(parse(problemSchema, conflict)).toMatchObject({ detail: 'IDEMPOTENCY_CONFLICT' });

    const list = await viaEdge(client, '/api/orders/?page=1&page_size=20');
    expect(list.status).toBe(200);
    const page = parse(pageSchema, list);
    expect(page).toMatchObject({ page: 1, page_size: 20 });
    expect(page.results.map((item) => item.id)).toContain(created.id);

    const detail = await viaEdge(client, `/api/orders/${created.id}/`);
    expect(detail.status).toBe(200);
    expect(JSON.parse(detail.body)).toMatchObject({ id: created.id, status: 'CONFIRMED' });

    const shortage = await createVia(
      client,
      { ...order, items: [{ sku: 'SKU1', quantity: 1000 }] },
      randomUUID(),
    );
    expect(shortage.status).toBe(422);
    expect(parse(problemSchema, shortage)).toMatchObject({ detail: 'INSUFFICIENT_STOCK' });

    const declined = await createVia(client, { ...order, amount_cents: 2_000_000 }, randomUUID());
    expect(declined.status).toBe(402);
    expect(parse(problemSchema, declined)).toMatchObject({ detail: 'PAYMENT_FAILED' });
  });

  it('lists and finds, on every replica, the orders created through each of them', async () => {
    const order = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1200, currency: 'EUR' };
    const ids: string[] = [];
    for (const gateway of stack.gateways) {
      const created = await asProxy(gateway.port, '127.0.0.3', '/api/orders/', {
        method: 'POST',
        body: order,
      });
      expect(created.status, created.body).toBe(201);
      ids.push(parse(orderSchema, created).id);
    }
    for (const gateway of stack.gateways) {
      const list = await asProxy(gateway.port, '127.0.0.3', '/api/orders/?page=1&page_size=100');
      expect(list.status).toBe(200);
      const listed = parse(pageSchema, list).results.map((item) => item.id);
      expect({ replica: gateway.port, missing: ids.filter((id) => !listed.includes(id)) }).toEqual({
        replica: gateway.port,
        missing: [],
      });
      for (const id of ids)
        expect((await asProxy(gateway.port, '127.0.0.3', `/api/orders/${id}/`)).status).toBe(200);
    }
  });

  it('counts the create limit per client IP across the replicas: the 11th is 429 on any of them', async () => {
    const limited = '127.0.0.4';
    const other = '127.0.0.5';
    const order = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1000, currency: 'EUR' };
    const limit = Number(environmentOf(compose, 'gateway').RATE_LIMIT_CREATE);
    expect(limit).toBe(10);
    const statuses: number[] = [];
    for (let sent = 0; sent < limit; sent += 1) statuses.push((await createVia(limited, order)).status);
    expect(statuses).toEqual(Array(limit).fill(201));

    // The same client's next create, handed by the proxy to each replica in turn: all three know the count.
    for (const gateway of stack.gateways) {
      const refused = await asProxy(gateway.port, limited, '/api/orders/', { method: 'POST', body: order });
      expect({ replica: gateway.port, status: refused.status }).toEqual({
        replica: gateway.port,
        status: 429,
      });
      expect(parse(problemSchema, refused)).toEqual({ detail: 'RATE_LIMITED' });
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    }
    // Through the edge, wherever nginx sends it; a forged X-Forwarded-For does not make it another client.
    const again = await createVia(limited, order);
    expect(again.status).toBe(429);
    const forged = await createVia(limited, order, undefined, { 'x-forwarded-for': '198.51.100.23' });
    expect(forged.status).toBe(429);
    // Another client is unaffected.
    const fresh = await createVia(other, order);
    expect(fresh.status, fresh.body).toBe(201);
    console.log(
      `rate limit across ${GATEWAY_REPLICAS} replicas: ${limited} sent ${limit + GATEWAY_REPLICAS + 2} creates, ` +
        `${limit} created, ${GATEWAY_REPLICAS + 2} answered 429; ${other} sent 1, 0 answered 429`,
    );
    // The counters are in Redis, not in any one process.
    expect(await redisCommands(redisUrl, [['SELECT', '13'], ['DBSIZE']])).toMatch(/^\+OK\r\n:[1-9]\d*\r\n$/);
  });

  it('a replica SIGKILLed mid-load loses no order: one final order per key, the survivors finish the interrupted ones', {
    timeout: 180_000,
  }, async () => {
    const sku = 'LOAD1';
    await setStock(sku, 1000);
    const order = { items: [{ sku, quantity: 1 }], amount_cents: 1500, currency: 'EUR' };
    // Six clients, five creates each: half their per-minute allowance, so every retry below still fits in it.
    const clients = ['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15'];
    const perClient = 5;
    const [victim, ...survivors] = stack.gateways;
    if (victim === undefined) throw new Error('no gateway replica');

    const { answers, heldAtKill } = await killReplicaUnderLoad({ clients, perClient, order, victim, http });

    // The survivors' recovery workers finish what the victim left PENDING (its lease expires first).
    const gatewayDb = stack.databases.get('gateway')?.url ?? '';
    await eventually(async () => {
      const orders = await ordersOfSku(gatewayDb, sku);
      return orders.length > 0 && orders.every((row) => row.status !== 'PENDING') ? true : undefined;
    }, 'no PENDING order left');

    // Now every client retries, with the same key and payload, each create that got no final answer.
    const retried = new Map<string, number>();
    for (const [key, { client, status }] of answers) {
      if ([201, 402, 422].includes(status)) continue;
      const answer = await createVia(client, order, key);
      retried.set(key, answer.status);
      answers.set(key, { client, status: answer.status });
    }

    const keys = [...answers.keys()];
    const byKey = await ordersByKey(gatewayDb, keys);
    const orders = await ordersOfSku(gatewayDb, sku);
    const orderById = new Map(orders.map((row) => [row.id, row]));
    // Every key is bound to exactly one order (the key is the primary key of its row), final, and no order exists
    // that no key accounts for.
    expect(keys.filter((key) => byKey.get(key) === undefined || byKey.get(key) === null)).toEqual([]);
    expect(new Set(byKey.values()).size).toBe(keys.length);
    expect(orders.length).toBe(keys.length);
    expect(
      orders.filter((row) => row.status !== 'CONFIRMED').map((row) => `${row.id} ${row.status}`),
    ).toEqual([]);
    expect([...answers.values()].filter(({ status }) => status !== 200 && status !== 201)).toEqual([]);

    // Who finished what, from the survivors' own logs: each recovered order was picked up once, by one of them.
    const pickedUp = survivors.flatMap((gateway) =>
      logLines(gateway.app.output(), 'recovery worker picked up an order').map((line) =>
        String(line.order_id),
      ),
    );
    const recovered = new Set(pickedUp);
    expect(pickedUp.length).toBe(recovered.size);
    expect(recovered.size).toBeGreaterThanOrEqual(heldAtKill);
    const interruptedKeys = new Set([...retried.keys()]);
    for (const id of recovered) {
      expect(orderById.get(id)?.status).toBe('CONFIRMED');
      const key = [...byKey].find(([, orderId]) => orderId === id)?.[0] ?? '';
      expect({ id, interrupted: interruptedKeys.has(key) }).toEqual({ id, interrupted: true });
    }
    // The database agrees: a runner takes an order's lease once when it creates it and once per recovery claim,
    // so an order claimed twice would show three attempts.
    for (const row of orders) {
      expect({ id: row.id, attempts: row.attempts }).toEqual({
        id: row.id,
        attempts: recovered.has(row.id) ? 2 : 1,
      });
    }

    // Money and stock: one authorized charge per order, the one it names; the reserved units are exactly these.
    const charges = await chargesOf(stack.databases.get('payments')?.url ?? '', [...orderById.keys()]);
    for (const row of orders) {
      const held = charges.filter((charge) => charge.order_id === row.id);
      expect({ id: row.id, charges: held.map((charge) => [charge.id, charge.status]) }).toEqual({
        id: row.id,
        charges: [[row.transaction_id, 'AUTHORIZED']],
      });
    }
    expect(await stockOf(stack.databases.get('inventory')?.url ?? '', sku)).toEqual({
      available: 1000 - orders.length,
      reserved: orders.length,
    });

    const refusedPerClient = clients.map(
      (client) =>
        `${client}: ${[...answers.values()].filter((a) => a.client === client && a.status === 429).length}`,
    );
    console.log(
      [
        `replica kill under load: ${clients.length} clients sent ${clients.length * perClient} orders ` +
          `(${retried.size} retried after an interrupted answer) through nginx to ${GATEWAY_REPLICAS} gateways;`,
        `  ${orders.length} final orders (all CONFIRMED, one per key, one charge each);`,
        `  ${heldAtKill} charges held when replica :${victim.port} was SIGKILLed; ${recovered.size} orders finished by ` +
          `the survivors' recovery workers (each picked up once, attempts = 2);`,
        `  429s per client: ${refusedPerClient.join(', ')}`,
      ].join('\n'),
    );
  });
});
