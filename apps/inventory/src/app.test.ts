import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../test/databases.ts';
import { http } from '../test/http.ts';
import { DATABASE_KINDS } from '../test/postgres-gate.ts';
import { inventoryClient, type RunningInventory, startInventory } from '../test/start-inventory.ts';
import type { InventoryRouter } from './router.ts';

const PROBLEM = 'application/problem+json';
let sequence = 0;
/** Each test uses its own SKUs and reservation ids, so tests in a suite cannot see each other's stock. */
const unique = (prefix: string) => `${prefix}${process.pid}X${++sequence}`.toUpperCase();

async function trpcFailure(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError))
    throw new Error(`expected a TRPCClientError, got ${String(error)}`);
  const typed: TRPCClientError<InventoryRouter> = error;
  return typed;
}

describe.each(DATABASE_KINDS)('inventory over HTTP (%s database)', (kind) => {
  let database: TestDatabase;
  let app: RunningInventory;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    app = await startInventory({ db: database.db });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const stockOf = async (sku: string) => (await app.client.getStock.query({ sku })).quantity;

  describe('REST stock routes', () => {
    it('PUT /stock/{sku} sets the units, upper-casing the SKU, and GET reads them back', async () => {
      const sku = unique('put');
      const put = await http(app.url, 'PUT', `/stock/${sku.toLowerCase()}`, { quantity: 7 });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ sku: sku.toUpperCase(), quantity: 7 });
      const overwrite = await http(app.url, 'PUT', `/stock/${sku}`, { quantity: 3 });
      expect(overwrite.body).toEqual({ sku: sku.toUpperCase(), quantity: 3 });
      const get = await http(app.url, 'GET', `/stock/${sku}`);
      expect(get.status).toBe(200);
      expect(get.body).toEqual({ sku: sku.toUpperCase(), quantity: 3 });
    });

    it('GET /stock/{sku} of an unknown SKU reads 0', async () => {
      const get = await http(app.url, 'GET', '/stock/NEVER-SEEN');
      expect(get).toMatchObject({ status: 200, body: { sku: 'NEVER-SEEN', quantity: 0 } });
    });

    it('PUT /stock/{sku} rejects negative, fractional and too large quantities, naming the field', async () => {
      for (const quantity of [-1, 1.5, 2_147_483_648, '5', null, true, '']) {
        const put = await http(app.url, 'PUT', '/stock/SKU-BAD', { quantity });
        expect(put.status).toBe(400);
        expect(put.contentType).toContain(PROBLEM);
        expect(put.body).toEqual({ detail: expect.stringContaining('quantity') });
      }
      expect(await stockOf('SKU-BAD')).toBe(0);
    });

    it('PUT /stock/{sku} accepts 0 and the largest quantity', async () => {
      const sku = unique('edge');
      expect((await http(app.url, 'PUT', `/stock/${sku}`, { quantity: 0 })).status).toBe(200);
      const max = await http(app.url, 'PUT', `/stock/${sku}`, { quantity: 2_147_483_647 });
      expect(max.body).toEqual({ sku, quantity: 2_147_483_647 });
    });

    it('rejects a SKU that does not match the pattern', async () => {
      const get = await http(app.url, 'GET', '/stock/a!');
      expect(get.status).toBe(400);
      expect(get.body).toEqual({ detail: expect.stringContaining('sku') });
    });
  });

  describe('REST reserve and release', () => {
    it('reserves, answers a repeat without reserving again, and releases once', async () => {
      const sku = unique('rr');
      const id = unique('res-');
      await app.client.setStock.mutate({ sku, quantity: 10 });
      const body = { reservation_id: id, items: [{ sku: sku.toLowerCase(), quantity: 4 }] };

      const first = await http(app.url, 'POST', '/reserve', body);
      expect(first).toMatchObject({ status: 200, body: { reserved: true } });
      expect(await stockOf(sku)).toBe(6);

      const repeat = await http(app.url, 'POST', '/reserve', body);
      expect(repeat).toMatchObject({ status: 200, body: { reserved: true } });
      expect(await stockOf(sku)).toBe(6);

      const released = await http(app.url, 'POST', '/release', { reservation_id: id });
      expect(released).toMatchObject({ status: 200, body: { released: true } });
      expect(await stockOf(sku)).toBe(10);

      const again = await http(app.url, 'POST', '/release', { reservation_id: id });
      expect(again).toMatchObject({ status: 200, body: { released: false } });
      expect(await stockOf(sku)).toBe(10);

      // A repeat of a finished (released) request is answered, never a second reservation.
      const afterRelease = await http(app.url, 'POST', '/reserve', body);
      expect(afterRelease).toMatchObject({ status: 200, body: { reserved: true } });
      expect(await stockOf(sku)).toBe(10);
    });

    it('treats the same lines in another order as a repeat', async () => {
      const [a, b] = [unique('orda'), unique('ordb')];
      const id = unique('res-');
      await app.client.setStock.mutate({ sku: a, quantity: 5 });
      await app.client.setStock.mutate({ sku: b, quantity: 5 });
      const lines = [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 2 },
      ];
      await app.client.reserve.mutate({ reservation_id: id, items: lines });
      const reversed = await http(app.url, 'POST', '/reserve', {
        reservation_id: id,
        items: lines.toReversed(),
      });
      expect(reversed).toMatchObject({ status: 200, body: { reserved: true } });
      expect([await stockOf(a), await stockOf(b)]).toEqual([4, 3]);
    });

    it('answers 409 RESERVATION_CONFLICT when the id is reused with other items', async () => {
      const sku = unique('conf');
      const id = unique('res-');
      await app.client.setStock.mutate({ sku, quantity: 10 });
      await app.client.reserve.mutate({ reservation_id: id, items: [{ sku, quantity: 1 }] });
      const conflict = await http(app.url, 'POST', '/reserve', {
        reservation_id: id,
        items: [{ sku, quantity: 2 }],
      });
      expect(conflict.status).toBe(409);
      expect(conflict.contentType).toContain(PROBLEM);
      expect(conflict.body).toEqual({ detail: 'RESERVATION_CONFLICT' });
      expect(await stockOf(sku)).toBe(9);
    });

    it('answers 422 listing every short SKU and reserves none of the lines', async () => {
      const [ok, low, unknown] = [unique('oka'), unique('lowb'), unique('unkc')];
      await app.client.setStock.mutate({ sku: ok, quantity: 5 });
      await app.client.setStock.mutate({ sku: low, quantity: 1 });
      const short = await http(app.url, 'POST', '/reserve', {
        reservation_id: unique('res-'),
        items: [
          { sku: unknown, quantity: 1 },
          { sku: ok, quantity: 5 },
          { sku: low, quantity: 2 },
        ],
      });
      expect(short.status).toBe(422);
      expect(short.contentType).toContain(PROBLEM);
      expect(short.body).toEqual({ detail: 'INSUFFICIENT_STOCK', short_skus: [low, unknown].sort() });
      expect([await stockOf(ok), await stockOf(low), await stockOf(unknown)]).toEqual([5, 1, 0]);
    });

    it('leaves every line untouched when only the last line is short', async () => {
      const skus = [unique('lasta'), unique('lastb'), unique('lastc')].sort();
      const [a, b, c] = skus;
      if (a === undefined || b === undefined || c === undefined) throw new Error('three SKUs expected');
      await app.client.setStock.mutate({ sku: a, quantity: 3 });
      await app.client.setStock.mutate({ sku: b, quantity: 3 });
      await app.client.setStock.mutate({ sku: c, quantity: 1 });
      const failure = await trpcFailure(
        app.client.reserve.mutate({
          reservation_id: unique('res-'),
          items: [
            { sku: a, quantity: 3 },
            { sku: b, quantity: 3 },
            { sku: c, quantity: 2 },
          ],
        }),
      );
      expect(failure.data?.httpStatus).toBe(422);
      expect(failure.data?.detail).toBe('INSUFFICIENT_STOCK');
      expect(failure.data?.extras).toEqual({ short_skus: [c] });
      expect([await stockOf(a), await stockOf(b), await stockOf(c)]).toEqual([3, 3, 1]);
    });

    it('does not record a shortage: a retry with the same id is evaluated afresh', async () => {
      const sku = unique('retry');
      const id = unique('res-');
      const items = [{ sku, quantity: 3 }];
      await app.client.setStock.mutate({ sku, quantity: 2 });
      expect((await http(app.url, 'POST', '/reserve', { reservation_id: id, items })).status).toBe(422);
      await app.client.setStock.mutate({ sku, quantity: 3 });
      const retry = await http(app.url, 'POST', '/reserve', { reservation_id: id, items });
      expect(retry).toMatchObject({ status: 200, body: { reserved: true } });
      expect(await stockOf(sku)).toBe(0);
    });

    it('releases an unknown reservation as released: false', async () => {
      const release = await http(app.url, 'POST', '/release', { reservation_id: unique('ghost-') });
      expect(release).toMatchObject({ status: 200, body: { released: false } });
    });
  });

  describe('input validation and transport errors', () => {
    const reserveWith = (body: unknown) => http(app.url, 'POST', '/reserve', body);
    const valid = { reservation_id: 'r-valid', items: [{ sku: 'SKU1', quantity: 1 }] };

    it.each([
      [
        'a quantity sent as a string',
        { ...valid, items: [{ sku: 'SKU1', quantity: '1' }] },
        'items.0.quantity',
      ],
      ['a bad sku pattern', { ...valid, items: [{ sku: 'a b', quantity: 1 }] }, 'items.0.sku'],
      ['quantity 0', { ...valid, items: [{ sku: 'SKU1', quantity: 0 }] }, 'items.0.quantity'],
      ['quantity over 1000', { ...valid, items: [{ sku: 'SKU1', quantity: 1001 }] }, 'items.0.quantity'],
      ['an unknown field', { ...valid, extra: true }, 'extra'],
      ['an unknown line field', { ...valid, items: [{ sku: 'SKU1', quantity: 1, price: 3 }] }, 'price'],
      ['no items', { ...valid, items: [] }, 'items'],
      [
        'a SKU twice',
        {
          ...valid,
          items: [
            { sku: 'sku1', quantity: 1 },
            { sku: 'SKU1', quantity: 1 },
          ],
        },
        'items.1.sku',
      ],
      ['a missing reservation_id', { items: valid.items }, 'reservation_id'],
      ['a bad reservation_id', { ...valid, reservation_id: 'has space' }, 'reservation_id'],
      ['a JSON array', [valid], 'body'],
    ])('answers 400 naming the field for %s', async (_case, body, field) => {
      const answer = await reserveWith(body);
      expect(answer.status).toBe(400);
      expect(answer.contentType).toContain(PROBLEM);
      expect(answer.body).toEqual({ detail: expect.stringContaining(field) });
    });

    it('answers 400 for malformed JSON', async () => {
      const answer = await reserveWith('{"reservation_id": ');
      expect(answer.status).toBe(400);
      expect(answer.contentType).toContain(PROBLEM);
      expect(answer.body).toEqual({ detail: expect.any(String) });
    });

    it('answers 415 for a body that is not JSON', async () => {
      const answer = await http(app.url, 'POST', '/reserve', JSON.stringify(valid), {
        'content-type': 'text/plain',
      });
      expect(answer.status).toBe(415);
      expect(answer.contentType).toContain(PROBLEM);
      expect(answer.body).toEqual({ detail: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('accepts a charset parameter on the JSON content type', async () => {
      const answer = await http(app.url, 'POST', '/release', JSON.stringify({ reservation_id: 'x1' }), {
        'content-type': 'application/json; charset=utf-8',
      });
      expect(answer).toMatchObject({ status: 200, body: { released: false } });
    });

    it('answers 404 NOT_FOUND for an unknown route', async () => {
      for (const [method, path] of [
        ['GET', '/nope'],
        ['POST', '/reserve/extra'],
      ] as const) {
        const answer = await http(app.url, method, path, method === 'POST' ? {} : undefined);
        expect(answer.status).toBe(404);
        expect(answer.contentType).toContain(PROBLEM);
        expect(answer.body).toEqual({ detail: 'NOT_FOUND' });
      }
    });

    it('answers tRPC calls with bad input as 400 with a detail naming the field', async () => {
      const failure = await trpcFailure(app.client.setStock.mutate({ sku: 'SKU1', quantity: -5 }));
      expect(failure.data?.httpStatus).toBe(400);
      expect(failure.data?.detail).toContain('quantity');
    });
  });

  describe('tRPC procedures', () => {
    it('runs setStock, getStock, reserve and release end to end', async () => {
      const sku = unique('trpc');
      const id = unique('res-');
      expect(await app.client.setStock.mutate({ sku: sku.toLowerCase(), quantity: 5 })).toEqual({
        sku,
        quantity: 5,
      });
      expect(await app.client.getStock.query({ sku })).toEqual({ sku, quantity: 5 });
      expect(await app.client.reserve.mutate({ reservation_id: id, items: [{ sku, quantity: 5 }] })).toEqual({
        reserved: true,
      });
      expect(await stockOf(sku)).toBe(0);
      expect(await app.client.release.mutate({ reservation_id: id })).toEqual({ released: true });
      expect(await app.client.release.mutate({ reservation_id: id })).toEqual({ released: false });
      expect(await stockOf(sku)).toBe(5);
    });

    it('carries the domain code and extras of a failure', async () => {
      const sku = unique('trpcshort');
      const failure = await trpcFailure(
        app.client.reserve.mutate({ reservation_id: unique('res-'), items: [{ sku, quantity: 1 }] }),
      );
      expect(failure.data?.httpStatus).toBe(422);
      expect(failure.data?.detail).toBe('INSUFFICIENT_STOCK');
      expect(failure.data?.extras).toEqual({ short_skus: [sku] });
    });
  });

  describe('operations', () => {
    it('serves /health, /ready (database pinged) and /metrics', async () => {
      expect(await http(app.url, 'GET', '/health')).toMatchObject({ status: 200, body: { ok: true } });
      expect(await http(app.url, 'GET', '/ready')).toMatchObject({
        status: 200,
        body: { ok: true, components: { db: 'ok' } },
      });
      const metrics = await http(app.url, 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(String(metrics.body)).toContain('http_request_duration_seconds');
      expect(String(metrics.body)).toContain('route="/stock/{sku}"');
    });

    it('echoes a sane X-Request-ID and replaces an unsafe one', async () => {
      const echoed = await http(app.url, 'GET', '/stock/SKU1', undefined, { 'x-request-id': 'req-42.a_b' });
      expect(echoed.headers.get('x-request-id')).toBe('req-42.a_b');
      const failed = await http(app.url, 'POST', '/reserve', { bad: 1 }, { 'x-request-id': 'req-43' });
      expect(failed.headers.get('x-request-id')).toBe('req-43');
      const replaced = await http(app.url, 'GET', '/health', undefined, { 'x-request-id': 'no spaces <>' });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('with an internal token and a small body limit', () => {
    const token = 'an-internal-token-of-some-length';
    let guarded: RunningInventory;
    beforeAll(async () => {
      guarded = await startInventory({ db: database.db, internalToken: token, maxBodyBytes: 512 });
    });
    afterAll(async () => {
      await guarded?.close();
    });
    beforeEach(async () => {
      await database.db.client.stock.upsert({
        where: { sku: 'GUARDED' },
        create: { sku: 'GUARDED', quantity: 1 },
        update: { quantity: 1 },
      });
    });

    it('answers 401 without the token and serves with it', async () => {
      const anonymous = await http(guarded.url, 'GET', '/stock/GUARDED');
      expect(anonymous.status).toBe(401);
      expect(anonymous.contentType).toContain(PROBLEM);
      expect(anonymous.body).toEqual({ detail: 'UNAUTHORIZED' });
      const wrong = await http(guarded.url, 'GET', '/stock/GUARDED', undefined, {
        authorization: 'Bearer not-the-token-at-all',
      });
      expect(wrong.status).toBe(401);
      const authorized = await http(guarded.url, 'GET', '/stock/GUARDED', undefined, {
        authorization: `Bearer ${token}`,
      });
      expect(authorized).toMatchObject({ status: 200, body: { sku: 'GUARDED', quantity: 1 } });
      expect(await guarded.client.getStock.query({ sku: 'GUARDED' })).toEqual({
        sku: 'GUARDED',
        quantity: 1,
      });
    });

    it('refuses tRPC calls without the token', async () => {
      const failure = await trpcFailure(inventoryClient(guarded.url).getStock.query({ sku: 'GUARDED' }));
      const response = failure.meta?.response;
      expect(response instanceof Response ? response.status : undefined).toBe(401);
      const raw = await http(
        guarded.url,
        'GET',
        `/trpc/getStock?input=${encodeURIComponent('{"sku":"GUARDED"}')}`,
      );
      expect(raw.status).toBe(401);
    });

    it('keeps /health, /ready and /metrics open', async () => {
      expect((await http(guarded.url, 'GET', '/health')).status).toBe(200);
      expect((await http(guarded.url, 'GET', '/ready')).status).toBe(200);
      expect((await http(guarded.url, 'GET', '/metrics')).status).toBe(200);
    });

    it('answers 413 PAYLOAD_TOO_LARGE for a body over API_MAX_BYTES, with or without Content-Length', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const big = { reservation_id: 'big', items: [{ sku: 'GUARDED', quantity: 1 }], pad: 'x'.repeat(600) };
      const sized = await http(guarded.url, 'POST', '/reserve', big, auth);
      expect(sized.status).toBe(413);
      expect(sized.contentType).toContain(PROBLEM);
      expect(sized.body).toEqual({ detail: 'PAYLOAD_TOO_LARGE' });

      const encoded = new TextEncoder().encode(JSON.stringify(big));
      const chunked = await fetch(`${guarded.url}/reserve`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(encoded);
            controller.close();
          },
        }),
        duplex: 'half',
      });
      expect(chunked.status).toBe(413);
      expect(await chunked.json()).toEqual({ detail: 'PAYLOAD_TOO_LARGE' });
      expect(await stockOf('GUARDED')).toBe(1);
    });
  });
});
