import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceApp } from './app.ts';
import { ConfigError, envInt, parseEnv } from './env.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { domainError } from './problem.ts';
import { listen, type RunningServer } from './server.ts';
import { readServiceConfig } from './service-config.ts';
import { type BaseContext, initServiceTRPC } from './trpc.ts';

describe('parseEnv', () => {
  it('names the variable a bad value came from, prefixed spelling first', () => {
    const read = () =>
      parseEnv(
        { PORT: envInt(0, 65535) },
        { INVENTORY_PORT: 'abc', PORT: '1' },
        { prefix: 'INVENTORY', prefixed: ['PORT'] },
      );
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/INVENTORY_PORT/);
  });

  it('treats an empty value as unset', () => {
    expect(parseEnv({ PORT: envInt(0, 65535).default(7) }, { PORT: '' })).toEqual({ PORT: 7 });
  });

  it('refuses production without a token or a database', () => {
    expect(() => readServiceConfig('payments', 9002, { NODE_ENV: 'production' })).toThrow(
      /INTERNAL_API_TOKEN[\s\S]*PAYMENTS_DATABASE_URL/,
    );
  });
});

const t = initServiceTRPC<BaseContext>();
const router = t.router({
  echo: t.procedure
    .meta({ openapi: { method: 'POST', path: '/echo' } })
    .input(z.strictObject({ n: z.number().int() }))
    .output(z.object({ n: z.number() }))
    .mutation(({ input }) => input),
  refuse: t.procedure
    .meta({ openapi: { method: 'POST', path: '/refuse' } })
    .input(z.void())
    .output(z.object({}))
    .mutation(() => {
      throw domainError('INSUFFICIENT_STOCK', { short_skus: ['SKU1'] });
    }),
});

describe('createServiceApp over HTTP', () => {
  let server: RunningServer;
  const logger = createLogger({ service: 'test', level: 'error' });
  beforeAll(async () => {
    const app = createServiceApp({
      router,
      createContext: ({ req }) => ({ requestId: 'x', logger, headers: req.headers }),
      logger,
      metrics: createMetrics('test'),
      maxBodyBytes: 1024,
      ready: async () => ({ ok: true, components: {} }),
      routeOf: (req) => req.path,
      internalToken: 'a-token-of-sixteen-chars',
      trpcPath: '/trpc',
    });
    server = await listen(app, 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  const post = (path: string, body: string | undefined, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      body,
      headers: {
        authorization: 'Bearer a-token-of-sixteen-chars',
        'content-type': 'application/json',
        ...headers,
      },
    });

  it('answers domain errors as problem+json with the contract code and extras only', async () => {
    const res = await post('/refuse', undefined);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.text()).toBe('{"detail":"INSUFFICIENT_STOCK","short_skus":["SKU1"]}');
  });

  it('names the field in validation errors and keeps JSON types (no coercion of "5")', async () => {
    const res = await post('/echo', JSON.stringify({ n: '5' }));
    expect(res.status).toBe(400);
    const body = z.record(z.string(), z.string()).parse(await res.json());
    expect(body.detail).toMatch(/^n: /);
    expect(Object.keys(body)).toEqual(['detail']);
  });

  it('refuses a non-JSON body with 415, malformed JSON with 400, a chunked oversize body with 413', async () => {
    expect((await post('/echo', 'n=1', { 'content-type': 'text/plain' })).status).toBe(415);
    const malformed = await post('/echo', '{"n":');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ detail: 'Malformed JSON body' });
    const chunks = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"n":1,"pad":"${'x'.repeat(4096)}"}`));
        controller.close();
      },
    });
    const tooLarge = await fetch(`${server.url}/echo`, {
      method: 'POST',
      body: chunks,
      duplex: 'half',
      headers: { authorization: 'Bearer a-token-of-sixteen-chars', 'content-type': 'application/json' },
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ detail: 'PAYLOAD_TOO_LARGE' });
  });

  it('requires the token except on health, and echoes a sane request id', async () => {
    const anonymous = await fetch(`${server.url}/echo`, { method: 'POST', body: '{"n":1}' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ detail: 'UNAUTHORIZED' });
    const health = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'abc.DEF-1_2' } });
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBe('abc.DEF-1_2');
    const insane = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'a b' } });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses JSON nested deeper than 32 levels with 400, on REST and tRPC alike, at any depth', async () => {
    // The deepest that fits the 1 KiB limit of this app; the gateway test sends 200 000 levels.
    for (const depth of [33, 500]) {
      const body = `{"n":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      for (const path of ['/echo', '/trpc/echo']) {
        const res = await post(path, body);
        expect({ path, depth, status: res.status }).toEqual({ path, depth, status: 400 });
        expect(await res.text()).toContain('JSON nested deeper than 32 levels');
      }
    }
    // 32 levels is still a body: the procedure decides (here: n is not a number).
    const deepest = `{"n":${'['.repeat(31)}${']'.repeat(31)}}`;
    expect((await post('/echo', deepest)).status).toBe(400);
    expect(await (await post('/echo', deepest)).text()).toMatch(/^\{"detail":"n: /);
  });

  it('answers a REST path asked with another method 405 with Allow; the token is checked first', async () => {
    const wrong = await fetch(`${server.url}/echo`, {
      method: 'GET',
      headers: { authorization: 'Bearer a-token-of-sixteen-chars' },
    });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('OPTIONS, POST');
    expect(await wrong.json()).toEqual({ detail: 'METHOD_NOT_ALLOWED' });
    expect((await fetch(`${server.url}/echo`, { method: 'DELETE' })).status).toBe(401);
  });

  it('answers unknown routes with 404 NOT_FOUND', async () => {
    const res = await fetch(`${server.url}/nope`, {
      headers: { authorization: 'Bearer a-token-of-sixteen-chars' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'NOT_FOUND' });
  });
});

describe('requests Node itself rejects', () => {
  it('answers a malformed request line with a problem body, not a bare 400', async () => {
    const { createConnection } = await import('node:net');
    const app = createServiceApp({
      router,
      createContext: ({ req }) => ({
        requestId: 'x',
        logger: createLogger({ service: 't', level: 'error' }),
        headers: req.headers,
      }),
      logger: createLogger({ service: 't', level: 'error' }),
      metrics: createMetrics('t'),
      maxBodyBytes: 1024,
      ready: async () => ({ ok: true, components: {} }),
      routeOf: (req) => req.path,
    });
    const running = await listen(app, 0, '127.0.0.1');
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = createConnection({ port: running.port, host: '127.0.0.1' });
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk.toString();
        });
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.write('NOT A REQUEST\r\n\r\n');
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('application/problem+json');
      expect(answer.split('\r\n\r\n')[1]).toBe('{"detail":"Malformed HTTP request"}');
    } finally {
      await running.close();
    }
  });
});
