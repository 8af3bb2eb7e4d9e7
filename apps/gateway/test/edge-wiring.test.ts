import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadPort, redisForTests, redisUrlVia } from '../src/edge/testing.ts';
import { captureLogs } from './capture-logs.ts';
import { type System, startSystem } from './system.ts';

const MIB = 1024 * 1024;
const ORDER = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };
const hasRedis = await redisForTests();

/** A body sent chunked (no Content-Length), larger than the limit; resolves with the status the server gave. */
function postChunked(url: string, path: string, bytes: number): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, method: 'POST', path, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    // The server answers 413 and stops reading mid-body; our remaining writes may then fail, which is the point.
    req.on('error', (error) => (req.writableEnded ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    req.write('{"pad":"');
    pump();
  });
}

describe('the gateway with its edge wired in', () => {
  const inventoryLogs = captureLogs('inventory');
  const paymentsLogs = captureLogs('payments');
  let system: System;
  beforeAll(async () => {
    system = await startSystem('embedded', {
      edgeEnv: { CORS_ALLOWED_ORIGINS: 'https://shop.example' },
      loggers: { inventory: inventoryLogs.logger, payments: paymentsLogs.logger },
    });
    await system.setStock('SKU1', 1000);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('serves /docs and its init script as files under the CSP', async () => {
    const page = await system.request('GET', '/docs');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script>[^<]/);
    const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(scripts).toEqual(['/docs/swagger-ui-bundle.js', '/docs/init.js']);
    for (const src of scripts) {
      const script = await system.request('GET', src);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      expect(script.headers.get('content-security-policy')).toBe(csp);
    }
    expect((await system.request('GET', '/docs/init.js')).text).toContain("url: '/openapi.json'");
  });

  it('puts the security headers and CORS on the public API', async () => {
    const answer = await system.request('GET', '/api/orders/', {
      headers: { Origin: 'https://shop.example' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('referrer-policy')).toBe('same-origin');
    expect(answer.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(answer.headers.get('x-powered-by')).toBeNull();
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(answer.headers.get('ratelimit-policy')).toMatch(/q=120; w=60/);
    const foreign = await system.request('GET', '/api/orders/', {
      headers: { Origin: 'https://evil.example' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('shows redis as not_configured in readiness without Redis', async () => {
    const ready = await system.request('GET', '/ready/');
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ ok: true, components: { db: 'ok', redis: 'not_configured' } });
  });

  it('answers 413 past API_MAX_BYTES with Content-Length', async () => {
    const answer = await system.create(JSON.stringify({ ...ORDER, pad: 'a'.repeat(MIB) }));
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({ detail: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 413 past API_MAX_BYTES without Content-Length (chunked)', async () => {
    const answer = await postChunked(system.url, '/api/orders/', 4 * MIB);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ detail: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 400 to malformed JSON and 415 to another content type', async () => {
    const malformed = await system.create('{"items": [');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toHaveProperty('detail');
    const text = await system.request('POST', '/api/orders/', {
      body: JSON.stringify(ORDER),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.json).toEqual({ detail: 'UNSUPPORTED_MEDIA_TYPE' });
    const charset = await system.create(JSON.stringify(ORDER), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    expect(charset.status).toBe(201);
  });

  it('accepts a bodiless POST where no body is needed (cancel): never 400/415 for the missing body', async () => {
    const answer = await system.request('POST', '/api/orders/6f1c1a51-6a4b-4a7e-9c1e-2b0d8f0e3a11/cancel/');
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ detail: 'NOT_FOUND' });
  });

  it('sends the caller X-Request-ID on every internal call of one order', async () => {
    const id = `e2e-${Date.now()}.trace_1`;
    const answer = await system.create(ORDER, { 'X-Request-ID': id });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-request-id')).toBe(id);
    const routesWith = (entries: Array<Record<string, unknown>>) =>
      entries.filter((entry) => entry.request_id === id).map((entry) => entry.route);
    expect(routesWith(inventoryLogs.entries)).toContainEqual(expect.stringMatching(/\/reserve$/));
    expect(routesWith(paymentsLogs.entries)).toContainEqual(expect.stringMatching(/\/charge$/));
  });
});

describe.runIf(hasRedis)('readiness with Redis unreachable', () => {
  it('shows redis down and stays ready, serving requests', async () => {
    const down = await startSystem('embedded', { edgeEnv: { REDIS_URL: redisUrlVia(await deadPort()) } });
    try {
      const ready = await down.request('GET', '/ready/');
      expect(ready.status).toBe(200);
      expect(ready.json).toMatchObject({ ok: true, components: { redis: 'down' } });
      expect((await down.request('GET', '/api/orders/')).status).toBe(200);
    } finally {
      await down.close();
    }
  });
});
