import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CORS_EXPOSED_HEADERS } from './index.ts';
import {
  deadPort,
  type Reply,
  redisForTests,
  redisUrlVia,
  startTestGateway,
  TcpProxy,
  type TestGateway,
  testRedisUrl,
} from './testing.ts';

const redisAvailable = await redisForTests();

const started: TestGateway[] = [];
const proxies: TcpProxy[] = [];

async function gateway(env: Record<string, string>, keyPrefix?: string): Promise<TestGateway> {
  const running = await startTestGateway(env, keyPrefix);
  started.push(running);
  return running;
}

async function proxyToRedis(): Promise<TcpProxy> {
  const proxy = TcpProxy.toTestRedis();
  proxies.push(proxy);
  await proxy.start();
  return proxy;
}

afterEach(async () => {
  for (const running of started.splice(0)) await running.close();
  for (const proxy of proxies.splice(0)) await proxy.stop();
});

// Nothing here may end the process: an unhandled rejection or 'error' event would fail the run, and is asserted
// on explicitly where Redis goes away.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

const create = (gw: TestGateway, headers: Record<string, string> = {}) =>
  gw.send('POST', '/api/orders/', { 'content-type': 'application/json', ...headers }, '{}');

async function statuses(count: number, call: () => Promise<Reply>): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i += 1) result.push((await call()).status);
  return result;
}

const warnings = (gw: TestGateway) =>
  gw.entries.filter((entry) => entry.level === 'warn' && entry.message.startsWith('redis unavailable'));
const recoveries = (gw: TestGateway) =>
  gw.entries.filter((entry) => entry.level === 'info' && entry.message.startsWith('redis available again'));

function expectRateLimited(reply: Reply, scope: string): void {
  expect(reply.status).toBe(429);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(reply.body)).toEqual({ detail: 'RATE_LIMITED' });
  expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
  expect(reply.headers.ratelimit).toMatch(new RegExp(`^"${scope}"; r=0; t=\\d+$`));
  expect(reply.headers['ratelimit-policy']).toMatch(new RegExp(`^"${scope}"; q=\\d+; w=60; pk=:`));
}

describe.skipIf(!redisAvailable)('rate limits on Redis', () => {
  const redisUrl = testRedisUrl();

  it('refuses the 11th create in a minute from one client, not another client', async () => {
    const gw = await gateway({ REDIS_URL: redisUrl, TRUST_PROXY: '1' });
    const alice = { 'x-forwarded-for': '203.0.113.10' };
    const first = await create(gw, alice);
    expect(first.status).toBe(201);
    expect(first.headers.ratelimit).toMatch(/^"create"; r=9; t=\d+$/);
    expect(first.headers['retry-after']).toBeUndefined();
    expect(await statuses(9, () => create(gw, alice))).toEqual(Array(9).fill(201));

    expectRateLimited(await create(gw, alice), 'create');
    expect(gw.limited).toEqual(['create']);
    expect((await create(gw, { 'x-forwarded-for': '203.0.113.11' })).status).toBe(201);
    // Other scopes keep their own budget.
    expect((await gw.send('GET', '/api/orders', alice)).status).toBe(200);
    expect((await gw.send('POST', `/api/orders/${randomUUID()}/cancel/`, alice)).status).toBe(200);
    expect(warnings(gw)).toEqual([]);
    expect(gw.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(gw.edge.redisState()).toBe('ok');
  });

  it('counts /api/orders and /api/orders/ as one route', async () => {
    const gw = await gateway({ REDIS_URL: redisUrl, RATE_LIMIT_CREATE: '2' });
    expect((await gw.send('POST', '/api/orders')).status).toBe(201);
    expect((await gw.send('POST', '/api/orders/')).status).toBe(201);
    expectRateLimited(await gw.send('POST', '/api/orders'), 'create');
  });

  it('does not believe X-Forwarded-For without TRUST_PROXY', async () => {
    const gw = await gateway({ REDIS_URL: redisUrl });
    for (let i = 0; i < 10; i += 1) {
      expect((await create(gw, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(201);
    }
    expectRateLimited(await create(gw, { 'x-forwarded-for': '198.51.100.200' }), 'create');
  });

  it('believes X-Forwarded-For from proxies named by address (TRUST_PROXY=loopback)', async () => {
    const gw = await gateway({ REDIS_URL: redisUrl, TRUST_PROXY: 'loopback', RATE_LIMIT_DETAIL: '1' });
    const path = `/api/orders/${randomUUID()}/`;
    expect((await gw.send('GET', path, { 'x-forwarded-for': '192.0.2.1' })).status).toBe(200);
    expectRateLimited(await gw.send('GET', path, { 'x-forwarded-for': '192.0.2.1' }), 'detail');
    expect((await gw.send('GET', path, { 'x-forwarded-for': '192.0.2.2' })).status).toBe(200);
  });

  it('enforces one global limit across two instances sharing Redis', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await gateway({ REDIS_URL: redisUrl }, prefix);
    const b = await gateway({ REDIS_URL: redisUrl }, prefix);
    for (let i = 0; i < 10; i += 1) expect((await create(i % 2 === 0 ? a : b)).status).toBe(201);
    expectRateLimited(await create(a), 'create');
    expectRateLimited(await create(b), 'create');
  });

  it('never limits health, readiness or metrics', async () => {
    const gw = await gateway({ REDIS_URL: redisUrl, RATE_LIMIT_DEFAULT: '1' });
    for (const path of ['/health', '/health/', '/ready', '/ready/', '/metrics', '/metrics/']) {
      expect(await statuses(3, () => gw.send('GET', path))).toEqual([200, 200, 200]);
    }
    expect((await gw.send('GET', '/health')).headers.ratelimit).toBeUndefined();
    expect((await gw.send('GET', '/docs')).status).toBe(200);
    expectRateLimited(await gw.send('GET', '/docs'), 'default');
  });
});

describe.skipIf(!redisAvailable)('Redis outages', () => {
  it('resumes limiting by itself when Redis appears after a start without it', async () => {
    const proxy = await proxyToRedis();
    await proxy.stop();
    const gw = await gateway({ REDIS_URL: redisUrlVia(proxy.port), RATE_LIMIT_CREATE: '2' });
    expect(await statuses(4, () => create(gw))).toEqual([201, 201, 201, 201]);
    await vi.waitFor(() => expect(warnings(gw)).toHaveLength(1));

    await proxy.start();
    await vi.waitFor(() => expect(gw.edge.redisState()).toBe('ok'), { timeout: 10_000, interval: 50 });
    expect(await statuses(3, () => create(gw))).toEqual([201, 201, 429]);
    expect(warnings(gw)).toHaveLength(1);
    expect(recoveries(gw)).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it('serves during an outage mid-way and limits again once Redis is back', async () => {
    const proxy = await proxyToRedis();
    const gw = await gateway({
      REDIS_URL: redisUrlVia(proxy.port),
      TRUST_PROXY: '1',
      RATE_LIMIT_CREATE: '3',
    });
    await vi.waitFor(() => expect(gw.edge.redisState()).toBe('ok'), { timeout: 10_000, interval: 50 });
    const before = { 'x-forwarded-for': '203.0.113.1' };
    expect(await statuses(4, () => create(gw, before))).toEqual([201, 201, 201, 429]);

    await proxy.stop();
    await vi.waitFor(() => expect(gw.edge.redisState()).toBe('down'), { timeout: 10_000, interval: 50 });
    expect(await statuses(5, () => create(gw, before))).toEqual(Array(5).fill(201));
    expect(gw.edge.redisState()).toBe('down');

    await proxy.start();
    await vi.waitFor(() => expect(gw.edge.redisState()).toBe('ok'), { timeout: 10_000, interval: 50 });
    // The count from before the outage is still there, and new clients are counted from scratch.
    expectRateLimited(await create(gw, before), 'create');
    const after = { 'x-forwarded-for': '203.0.113.2' };
    expect(await statuses(4, () => create(gw, after))).toEqual([201, 201, 201, 429]);
    expect(warnings(gw)).toHaveLength(1);
    expect(recoveries(gw)).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});

describe('rate limits without a reachable Redis', () => {
  it('serves every request when Redis is unreachable from the start, warning once', async () => {
    const gw = await gateway({ REDIS_URL: redisUrlVia(await deadPort()), RATE_LIMIT_CREATE: '2' });
    expect(await statuses(6, () => create(gw))).toEqual(Array(6).fill(201));
    // Several reconnect attempts fail while we wait; still one warning.
    await vi.waitFor(() => expect(gw.entries.length).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await statuses(3, () => create(gw))).toEqual([201, 201, 201]);
    expect(gw.edge.redisState()).toBe('down');
    expect(warnings(gw)).toHaveLength(1);
    expect(gw.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(gw.limited).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('counts in memory and says Redis is not configured', async () => {
    const gw = await gateway({ RATE_LIMIT_CANCEL: '1' });
    const path = `/api/orders/${randomUUID()}/cancel`;
    expect((await gw.send('POST', path)).status).toBe(200);
    expectRateLimited(await gw.send('POST', path), 'cancel');
    expect(gw.limited).toEqual(['cancel']);
    expect(gw.edge.redisState()).toBe('not_configured');
  });
});

describe('security headers', () => {
  it('sends the contract headers and hides the stack', async () => {
    const gw = await gateway({ SECURE_HSTS_SECONDS: '3600' });
    const reply = await gw.send('GET', '/api/orders/');
    expect(reply.status).toBe(200);
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('same-origin');
    expect(reply.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(reply.headers['x-powered-by']).toBeUndefined();
    const csp = reply.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' https: 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // Plain HTTP: no HSTS even when configured.
    expect(reply.headers['strict-transport-security']).toBeUndefined();
  });

  it('sends HSTS over HTTPS seen through a trusted proxy, only with SECURE_HSTS_SECONDS > 0', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const trusted = await gateway({ TRUST_PROXY: '1', SECURE_HSTS_SECONDS: '3600' });
    expect((await trusted.send('GET', '/api/orders', https)).headers['strict-transport-security']).toBe(
      'max-age=3600; includeSubDomains',
    );
    const untrusted = await gateway({ SECURE_HSTS_SECONDS: '3600' });
    expect(
      (await untrusted.send('GET', '/api/orders', https)).headers['strict-transport-security'],
    ).toBeUndefined();
    const off = await gateway({ TRUST_PROXY: '1', SECURE_HSTS_SECONDS: '0' });
    expect(
      (await off.send('GET', '/api/orders', https)).headers['strict-transport-security'],
    ).toBeUndefined();
  });

  it('redirects plain HTTP to HTTPS with 308, except probes', async () => {
    const gw = await gateway({ TRUST_PROXY: '1', SECURE_SSL_REDIRECT: '1' });
    const host = { host: 'api.example.com:8000' };
    const redirected = await gw.send('POST', '/api/orders/?page=2', host);
    expect(redirected.status).toBe(308);
    expect(redirected.headers.location).toBe('https://api.example.com/api/orders/?page=2');
    expect(redirected.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect((await gw.send('GET', '/api/orders', { ...host, 'x-forwarded-proto': 'https' })).status).toBe(200);
    for (const path of ['/health', '/ready/', '/metrics'])
      expect((await gw.send('GET', path, host)).status).toBe(200);

    const untrusted = await gateway({ SECURE_SSL_REDIRECT: '1' });
    expect(
      (await untrusted.send('GET', '/api/orders', { ...host, 'x-forwarded-proto': 'https' })).status,
    ).toBe(308);
  });

  it('refuses hosts outside ALLOWED_HOSTS, ignoring port and case', async () => {
    const gw = await gateway({ ALLOWED_HOSTS: 'api.example.com,.example.org' });
    const refused = await gw.send('GET', '/api/orders', { host: 'evil.example.net' });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refused.body)).toEqual({ detail: 'DISALLOWED_HOST' });
    expect(refused.headers['x-frame-options']).toBe('DENY');
    expect((await gw.send('GET', '/api/orders', { host: 'API.Example.COM:8000' })).status).toBe(200);
    expect((await gw.send('GET', '/api/orders', { host: 'eu.example.org' })).status).toBe(200);
    expect((await gw.send('GET', '/api/orders', { host: 'notexample.org' })).status).toBe(400);
    expect((await gw.send('GET', '/health', { host: '10.0.0.7:8000' })).status).toBe(200);
    // Without a trusted proxy, X-Forwarded-Host cannot smuggle a host in.
    expect(
      (
        await gw.send('GET', '/api/orders', {
          host: 'evil.example.net',
          'x-forwarded-host': 'api.example.com',
        })
      ).status,
    ).toBe(400);
  });
});

describe('CORS', () => {
  const allowed = 'https://app.example.com';

  it('answers allowed origins only, exposing the headers clients need', async () => {
    const gw = await gateway({
      CORS_ALLOWED_ORIGINS: `${allowed},http://localhost:5173`,
      RATE_LIMIT_LIST: '1',
    });
    const ok = await gw.send('GET', '/api/orders', { origin: allowed });
    expect(ok.headers['access-control-allow-origin']).toBe(allowed);
    const exposed = String(ok.headers['access-control-expose-headers']).split(',');
    expect(exposed).toEqual([...CORS_EXPOSED_HEADERS]);
    expect(exposed).toEqual(
      expect.arrayContaining([
        'Idempotent-Replay',
        'X-Request-ID',
        'Retry-After',
        'RateLimit',
        'RateLimit-Policy',
      ]),
    );
    // A browser can read the 429 and its headers.
    const limited = await gw.send('GET', '/api/orders', { origin: allowed });
    expect(limited.status).toBe(429);
    expect(limited.headers['access-control-allow-origin']).toBe(allowed);

    const foreign = await gw.send('GET', '/api/orders', { origin: 'https://evil.example.net' });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(foreign.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers preflights with the allowed methods and headers, for allowed origins only', async () => {
    const gw = await gateway({ CORS_ALLOWED_ORIGINS: allowed });
    const preflight = {
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,idempotency-key,x-request-id',
    };
    const ok = await gw.send('OPTIONS', '/api/orders/', { ...preflight, origin: allowed });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(ok.headers['access-control-allow-methods']).split(',')).toEqual(['GET', 'POST', 'OPTIONS']);
    expect(String(ok.headers['access-control-allow-headers']).split(',')).toEqual([
      'Content-Type',
      'Idempotency-Key',
      'X-Request-ID',
    ]);
    const foreign = await gw.send('OPTIONS', '/api/orders/', {
      ...preflight,
      origin: 'https://evil.example.net',
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
