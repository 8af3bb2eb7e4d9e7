import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../src/edge/testing.ts';
import { type System, startSystem } from './system.ts';

/** Visible ASCII and space: what a client can put in a header value, and plenty to break a parser with. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength,
  });
const pathChar = fc.constantFrom(
  ...'abcXYZ019-._~%!$&()*+,;=:@/ '.split(''),
  '%2F',
  '%E0%A4%A',
  '%00',
  '%zz',
);
const segment = fc.oneof(
  fc.uuid(),
  fc.array(pathChar, { maxLength: 12 }).map((chars) => encodeURI(chars.join('')).replace(/%25/g, '%')),
);

const pathArb = fc.oneof(
  fc.constantFrom(
    '/api/orders/',
    '/api/orders',
    '/health/',
    '/ready',
    '/openapi.json',
    '/docs',
    '/metrics',
    '/',
  ),
  segment.map((id) => `/api/orders/${id}/`),
  segment.map((id) => `/api/orders/${id}/cancel/`),
  fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}`),
);
const queryArb = fc.option(
  fc.array(fc.tuple(fc.constantFrom('page', 'page_size', 'id', 'x', '__proto__', 'page[]'), headerText(8)), {
    maxLength: 3,
  }),
  { nil: undefined },
);
const orderLike = fc.record(
  {
    items: fc.array(
      fc.record({ sku: fc.constantFrom('SKU1', 'sku1', 'NOPE', '', 'x'), quantity: fc.integer() }),
    ),
    amount_cents: fc.oneof(fc.integer(), fc.double(), fc.string()),
    currency: fc.constantFrom('EUR', 'usd', 'XXX', ''),
  },
  { requiredKeys: [] },
);
/** JSON nested up to ten thousand levels, arrays or objects: what recursive code (stringify, fingerprints) dies on. */
const deepJson = fc
  .tuple(
    fc.integer({ min: 1, max: 10_000 }),
    fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"items":[', ']}']),
  )
  .map(([depth, [open, close]]) => `${open.repeat(depth)}1${close.repeat(depth)}`.replace('[1]', '[]'));
const bodyArb = fc.option(
  fc.oneof(
    fc.json(),
    orderLike.map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 64 }),
    deepJson,
  ),
  { nil: undefined },
);
const headersArb = fc.record(
  {
    'content-type': fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/problem+json',
      ),
      headerText(40),
    ),
    'idempotency-key': headerText(300),
    'x-request-id': headerText(140),
    origin: fc.constantFrom('https://shop.example', 'https://evil.example', 'null'),
  },
  { requiredKeys: [] },
);
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
  path: pathArb,
  query: queryArb,
  headers: headersArb,
  body: bodyArb,
});

describe('random requests at the gateway', () => {
  let system: System;
  let port = 0;
  beforeAll(async () => {
    system = await startSystem('embedded', {
      edgeEnv: {
        CORS_ALLOWED_ORIGINS: 'https://shop.example',
        RATE_LIMIT_CREATE: '100000',
        RATE_LIMIT_LIST: '100000',
        RATE_LIMIT_DETAIL: '100000',
        RATE_LIMIT_CANCEL: '100000',
        RATE_LIMIT_DEFAULT: '100000',
      },
    });
    port = Number(new URL(system.url).port);
    await system.setStock('SKU1', 100_000);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('never answers 5xx (but 503 UPSTREAM_UNAVAILABLE), and every error is JSON with a detail', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async ({ method, path, query, headers, body }) => {
        const search = query ? `?${query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '';
        // An explicit length: without one a GET's body would reach Node's HTTP parser as a second, broken request.
        const sent: Record<string, string> = {};
        for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent[name] = value;
        if (body !== undefined) sent['content-length'] = String(Buffer.byteLength(body));
        const reply = await send(port, method, `${path}${search}`, sent, body);
        let json: unknown;
        try {
          json = JSON.parse(reply.body);
        } catch {
          json = undefined;
        }
        const detail =
          typeof json === 'object' && json !== null && 'detail' in json && typeof json.detail === 'string'
            ? json.detail
            : undefined;
        if (reply.status >= 500) {
          expect({ status: reply.status, detail }).toEqual({ status: 503, detail: 'UPSTREAM_UNAVAILABLE' });
        }
        if (reply.status >= 400) {
          expect(reply.headers['content-type']).toMatch(/^application\/(problem\+)?json/);
          expect(detail, `${reply.status} ${reply.body}`).toBeDefined();
        }
        expect(reply.headers['x-request-id']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
      }),
      { numRuns: 150 },
    );
  });
});
