import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, startSystem } from './system.ts';

const ORDER = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('HTTP methods and hostile bodies at the public API', () => {
  let system: System;
  let orderId = '';
  beforeAll(async () => {
    system = await startSystem('embedded');
    await system.setStock('SKU1', 100);
    const created = await system.create(ORDER);
    expect(created.status).toBe(201);
    orderId = String(Object(created.json).id);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('answers a known path asked with a method it lacks 405 METHOD_NOT_ALLOWED, naming the allowed ones', async () => {
    const cases: Array<[string, string, string]> = [
      ['PUT', '/api/orders/', 'GET, HEAD, OPTIONS, POST'],
      ['PATCH', '/api/orders', 'GET, HEAD, OPTIONS, POST'],
      ['DELETE', '/api/orders/', 'GET, HEAD, OPTIONS, POST'],
      ['DELETE', `/api/orders/${orderId}/`, 'GET, HEAD, OPTIONS'],
      ['POST', `/api/orders/${orderId}`, 'GET, HEAD, OPTIONS'],
      ['GET', `/api/orders/${orderId}/cancel/`, 'OPTIONS, POST'],
      ['PUT', `/api/orders/${orderId}/cancel`, 'OPTIONS, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await system.request(method, path);
      expect({ method, path, status: answer.status, allow: answer.headers.get('allow') }).toEqual({
        method,
        path,
        status: 405,
        allow,
      });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.json).toEqual({ detail: 'METHOD_NOT_ALLOWED' });
    }
    // The order was not touched by any of them.
    expect(Object((await system.request('GET', `/api/orders/${orderId}/`)).json).status).toBe('CONFIRMED');
  });

  it('lists the methods of a path for OPTIONS, and still answers 404 for a path it does not have', async () => {
    const options = await system.request('OPTIONS', '/api/orders/');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
    expect((await system.request('PUT', '/api/nothing-here')).status).toBe(404);
    expect((await system.request('DELETE', `/api/orders/${orderId}/cancel/extra`)).status).toBe(404);
  });

  it('answers HEAD of a GET route with what GET answers, without the body', async () => {
    for (const path of ['/api/orders/?page=1&page_size=5', `/api/orders/${orderId}/`, '/api/orders/nope/']) {
      const get = await system.request('GET', path);
      const head = await system.request('HEAD', path);
      expect({ path, status: head.status }).toEqual({ path, status: get.status });
      expect(head.text).toBe('');
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(get.text)));
    }
  });

  it('refuses JSON nested deeper than the contract can use with 400 naming the problem, at any depth', async () => {
    for (const depth of [33, 5_000, 200_000]) {
      for (const body of [nested(depth), `{"items":${nested(depth)},"amount_cents":1,"currency":"EUR"}`]) {
        const create = await system.create(body, { 'Idempotency-Key': `deep-${depth}` });
        expect({ depth, status: create.status, json: create.json }).toEqual({
          depth,
          status: 400,
          json: { detail: 'body: JSON nested deeper than 32 levels' },
        });
        const cancel = await system.request('POST', `/api/orders/${orderId}/cancel/`, {
          body,
          headers: { 'Content-Type': 'application/json' },
        });
        expect({ depth, status: cancel.status }).toEqual({ depth, status: 400 });
      }
    }
    // Refused before anything was stored: no key, no order, and the order it named is still CONFIRMED.
    expect(await system.gatewayDb.idempotencyKey.count({ where: { key: { startsWith: 'deep-' } } })).toBe(0);
    expect(await system.gatewayDb.order.count()).toBe(1);
    expect(Object((await system.request('GET', `/api/orders/${orderId}/`)).json).status).toBe('CONFIRMED');
  });
});
