import { readFile } from 'node:fs/promises';
import { DOCUMENT_FILE, renderDocument, renderSchema, SCHEMA_FILE } from '@oos/sdk/codegen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes, DECLINE_ABOVE_CENTS, type System, startSystem } from './system.ts';

const modes = await availableModes();
const PROBLEM = /^application\/problem\+json(; charset=utf-8)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let keySeq = 0;
const freshKey = () => `key-${Date.now()}-${++keySeq}`;
const body = (sku = 'SKU1', quantity = 2, amount_cents = 1500) => ({
  items: [{ sku, quantity }],
  amount_cents,
  currency: 'EUR',
});

describe.each(modes)('public orders API (%s)', (mode) => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem(mode);
    await system.setStock('SKU1', 1000);
    await system.setStock('SCARCE', 1);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('confirms an order: 201 with transaction_id, items as sent, SKUs upper-cased', async () => {
    const answer = await system.create({
      items: [
        { sku: 'sku1', quantity: 2 },
        { sku: 'scarce', quantity: 1 },
      ],
      amount_cents: 1500,
      currency: 'eur',
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('idempotent-replay')).toBeNull();
    expect(answer.json).toMatchObject({
      status: 'CONFIRMED',
      items: [
        { sku: 'SKU1', quantity: 2 },
        { sku: 'SCARCE', quantity: 1 },
      ],
      amount_cents: 1500,
      currency: 'EUR',
    });
    expect(answer.json).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(UUID),
        transaction_id: expect.any(String),
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      }),
    );
    expect(answer.json).not.toHaveProperty('failure_reason');
    expect(await system.stock('SCARCE')).toBe(0);
  });

  it('replays a confirmed create: 200, Idempotent-Replay, the same bytes, one charge', async () => {
    const key = freshKey();
    const first = await system.create(body(), { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const charges = await system.authorizedCharges();
    // Same JSON value: other key order, white space and number spelling.
    const replay = await system.create(
      '{ "currency": "EUR", "amount_cents": 1500.0, "items": [ {"quantity": 2, "sku": "SKU1"} ] }',
      { 'Idempotency-Key': key },
    );
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(replay.text).toBe(first.text);
    expect(await system.authorizedCharges()).toBe(charges);
    const stored = await system.gatewayDb.idempotencyKey.findUniqueOrThrow({
      where: { scope_key: { scope: 'create', key } },
    });
    expect(stored.responseStatus).toBe(201);
    expect(stored.responseBody).toBe(first.text);
  });

  it('refuses the same key with another payload: 409 IDEMPOTENCY_CONFLICT ("sku1" is not "SKU1")', async () => {
    const key = freshKey();
    expect((await system.create(body(), { 'Idempotency-Key': key })).status).toBe(201);
    const other = await system.create(body('sku1'), { 'Idempotency-Key': key });
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toMatch(PROBLEM);
    expect(other.text).toBe('{"detail":"IDEMPOTENCY_CONFLICT"}');
  });

  it('answers 422 INSUFFICIENT_STOCK with order_id, holds nothing, and replays it', async () => {
    await system.setStock('SHORT1', 3);
    await system.setStock('SHORT2', 1);
    const key = freshKey();
    const payload = {
      items: [
        { sku: 'SHORT1', quantity: 2 },
        { sku: 'SHORT2', quantity: 5 },
      ],
      amount_cents: 1500,
      currency: 'EUR',
    };
    const answer = await system.create(payload, { 'Idempotency-Key': key });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
    const orderId = (await system.gatewayDb.order.findFirstOrThrow({ orderBy: { createdAt: 'desc' } })).id;
    expect(answer.text).toBe(`{"detail":"INSUFFICIENT_STOCK","order_id":"${orderId}"}`);
    expect(await system.stock('SHORT1')).toBe(3);
    expect(await system.stock('SHORT2')).toBe(1);
    const order = await system.request('GET', `/api/orders/${orderId}/`);
    expect(order.json).toMatchObject({ status: 'FAILED', failure_reason: 'INSUFFICIENT_STOCK' });

    const replay = await system.create(payload, { 'Idempotency-Key': key });
    expect(replay.status).toBe(422);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(replay.text).toBe(answer.text);
  });

  it('answers 402 PAYMENT_FAILED with order_id, releases the reservation, and replays it', async () => {
    await system.setStock('DECLINE', 10);
    const key = freshKey();
    const payload = body('DECLINE', 4, DECLINE_ABOVE_CENTS + 1);
    const answer = await system.create(payload, { 'Idempotency-Key': key });
    expect(answer.status).toBe(402);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
    expect(answer.json).toEqual({ detail: 'PAYMENT_FAILED', order_id: expect.stringMatching(UUID) });
    expect(Object.keys(answer.json ?? {})).toEqual(['detail', 'order_id']);
    expect(await system.stock('DECLINE')).toBe(10);
    const replay = await system.create(payload, { 'Idempotency-Key': key });
    expect(replay.status).toBe(402);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(replay.text).toBe(answer.text);
    const detail = await system.request('GET', `/api/orders/${String(Object(answer.json).order_id)}`);
    expect(detail.json).toMatchObject({ status: 'FAILED', failure_reason: 'PAYMENT_FAILED' });
    expect(detail.json).not.toHaveProperty('transaction_id');
  });

  it.each([
    ['items missing', { amount_cents: 1500, currency: 'EUR' }, 'items'],
    ['no items', { items: [], amount_cents: 1500, currency: 'EUR' }, 'items'],
    [
      'over 100 lines',
      {
        items: Array.from({ length: 101 }, (_, i) => ({ sku: `SKU${1000 + i}`, quantity: 1 })),
        amount_cents: 1500,
        currency: 'EUR',
      },
      'items',
    ],
    [
      'a SKU twice (after upper-casing)',
      {
        items: [
          { sku: 'SKU1', quantity: 1 },
          { sku: 'sku1', quantity: 1 },
        ],
        amount_cents: 1500,
        currency: 'EUR',
      },
      'items.1.sku',
    ],
    ['a bad SKU', body('a!'), 'items.0.sku'],
    ['quantity 0', body('SKU1', 0), 'items.0.quantity'],
    ['quantity 1001', body('SKU1', 1001), 'items.0.quantity'],
    ['quantity 1.5', body('SKU1', 1.5), 'items.0.quantity'],
    ['amount_cents 0', body('SKU1', 1, 0), 'amount_cents'],
    ['amount_cents over 100000000', body('SKU1', 1, 100_000_001), 'amount_cents'],
    ['amount_cents as a string', { ...body(), amount_cents: '1500' }, 'amount_cents'],
    ['an unknown currency', { ...body(), currency: 'CHF' }, 'currency'],
    ['an unknown field', { ...body(), note: 'x' }, 'note'],
    ['an unknown item field', { ...body(), items: [{ sku: 'SKU1', quantity: 1, x: 1 }] }, 'x'],
    ['an array body', [body()], 'body'],
    ['a string body', 'hello', 'body'],
  ])('answers 400 naming the field: %s', async (_name, payload, field) => {
    const answer = await system.create(JSON.stringify(payload), { 'Idempotency-Key': freshKey() });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
    expect(Object(answer.json).detail).toContain(field);
  });

  it('answers 400 for a body that is not JSON, and never stores a 400 against a key', async () => {
    const key = freshKey();
    const malformed = await system.create('{"items": [', { 'Idempotency-Key': key });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(PROBLEM);
    expect(await system.gatewayDb.idempotencyKey.count({ where: { key } })).toBe(0);
    expect((await system.create(body(), { 'Idempotency-Key': key })).status).toBe(201);
  });

  it.each([
    ['empty', ''],
    ['longer than 255', 'k'.repeat(256)],
  ])('answers 400 naming Idempotency-Key when it is %s', async (_name, key) => {
    const answer = await system.create(body(), { 'Idempotency-Key': key });
    expect(answer.status).toBe(400);
    expect(Object(answer.json).detail).toMatch(/^Idempotency-Key: /);
  });

  it('accepts a 255-character key', async () => {
    expect((await system.create(body(), { 'Idempotency-Key': 'k'.repeat(255) })).status).toBe(201);
  });

  it('answers 415 for another content type and 413 for a body over the limit', async () => {
    const wrongType = await system.request('POST', '/api/orders/', {
      body: JSON.stringify(body()),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.text).toBe('{"detail":"UNSUPPORTED_MEDIA_TYPE"}');
    const charset = await system.create(JSON.stringify(body()), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    expect(charset.status).toBe(201);
    const tooLarge = await system.create(JSON.stringify({ ...body(), pad: 'x'.repeat(1024 * 1024) }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.text).toBe('{"detail":"PAYLOAD_TOO_LARGE"}');
  });

  it('answers 413 for a chunked body without Content-Length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${system.url}/api/orders/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    }).catch(() => undefined);
    // The server may close the connection before the whole stream is sent; if an answer arrives it is a 413.
    if (response) {
      expect(response.status).toBe(413);
      expect(await response.text()).toBe('{"detail":"PAYLOAD_TOO_LARGE"}');
    }
  });

  it('serves an order by id, with and without the trailing slash', async () => {
    const created = await system.create(body());
    const id = String(Object(created.json).id);
    const withSlash = await system.request('GET', `/api/orders/${id}/`);
    const without = await system.request('GET', `/api/orders/${id}`);
    expect(withSlash.status).toBe(200);
    expect(withSlash.text).toBe(created.text);
    expect(without.text).toBe(created.text);
  });

  it.each([
    ['an unknown id', '/api/orders/00000000-0000-4000-8000-000000000000/'],
    ['a non-UUID id', '/api/orders/not-a-uuid/'],
    ['an unknown route', '/api/nothing-here'],
  ])('answers 404 NOT_FOUND for %s', async (_name, path) => {
    const answer = await system.request('GET', path);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
    expect(answer.text).toBe('{"detail":"NOT_FOUND"}');
  });

  it('accepts POST without the trailing slash', async () => {
    const answer = await system.request('POST', '/api/orders', {
      body: JSON.stringify(body()),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(answer.status).toBe(201);
  });
});

describe.each(modes)('order list (%s)', (mode) => {
  let system: System;
  const ids: string[] = [];
  beforeAll(async () => {
    system = await startSystem(mode);
    await system.setStock('LIST1', 100);
    for (let i = 0; i < 5; i += 1) ids.push((await system.sdk().createOrder(body('LIST1', 1))).order.id);
    // A failed order is listed too.
    await system.create(body('NOSTOCK', 1));
  });
  afterAll(async () => {
    await system?.close();
  });

  it('counts every order and lists newest first, with defaults page 1 / page_size 20', async () => {
    const page = await system.sdk().listOrders();
    expect(page).toMatchObject({ count: 6, page: 1, page_size: 20 });
    expect(page.results).toHaveLength(6);
    expect(page.results[0]?.status).toBe('FAILED');
    expect(page.results.slice(1).map((order) => order.id)).toEqual([...ids].reverse());
  });

  it('pages, with and without the trailing slash; past the end is empty', async () => {
    const second = await system.sdk().listOrders({ page: 2, page_size: 2 });
    expect(second).toMatchObject({ count: 6, page: 2, page_size: 2 });
    expect(second.results.map((order) => order.id)).toEqual([ids[3], ids[2]]);
    const past = await system.request('GET', '/api/orders/?page=9&page_size=100');
    expect(past.status).toBe(200);
    expect(past.json).toEqual({ count: 6, page: 9, page_size: 100, results: [] });
  });

  it.each([
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=abc', 'page'],
    ['page=1.5', 'page'],
    ['page_size=0', 'page_size'],
    ['page_size=101', 'page_size'],
    ['page_size=x', 'page_size'],
  ])('answers 400 for %s', async (query, field) => {
    const answer = await system.request('GET', `/api/orders/?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(PROBLEM);
    expect(Object(answer.json).detail).toContain(field);
  });
});

describe('operations', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem('embedded');
  });
  afterAll(async () => {
    await system?.close();
  });

  it('reports readiness with db, redis and both breakers', async () => {
    const ready = await system.request('GET', '/ready/');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      ok: true,
      components: { db: 'ok', redis: 'not_configured', inventory: 'closed', payments: 'closed' },
    });
  });

  it('serves /openapi.json and an interactive /docs page from local assets', async () => {
    const document = await system.request('GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(Object(document.json).openapi).toMatch(/^3\./);
    // @oos/sdk is generated from this document: both checked-in files must be what it gives.
    const stale = 'is stale: run `pnpm sdk:generate` and commit the result';
    expect(await readFile(DOCUMENT_FILE, 'utf8'), `${DOCUMENT_FILE} ${stale}`).toBe(
      renderDocument(document.text),
    );
    expect(await readFile(SCHEMA_FILE, 'utf8'), `${SCHEMA_FILE} ${stale}`).toBe(
      await renderSchema(document.text),
    );
    const docs = await system.request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('/docs/swagger-ui-bundle.js');
    expect(docs.text).not.toMatch(/https?:\/\//);
    const bundle = await system.request('GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });
});
