import { ChargeStatus } from '@oos/db-payments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from './test/databases.ts';
import { DEFAULT_DECLINE_ABOVE_CENTS, type RunningPayments, startPayments } from './test/harness.ts';
import { expectProblem, http, postJson } from './test/http.ts';
import { trpcFailure } from './test/trpc-error.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_BODY_BYTES = 4096;

let keys = 0;
/** A key no other test uses, so tests stay independent on a shared database. */
const freshKey = (label: string) => `test:${label}:${++keys}:${Date.now()}`;

const payment = (orderId: string, amountCents = 1500, currency = 'EUR') => ({
  order_id: orderId,
  amount_cents: amountCents,
  currency,
});

describe.each(await availableModes())('payments over HTTP, %s database', (mode) => {
  let app: RunningPayments;
  beforeAll(async () => {
    app = await startPayments(mode, { maxBodyBytes: MAX_BODY_BYTES });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const chargeRest = (key: string | undefined, body: unknown) =>
    postJson(`${app.url}/charge`, body, key === undefined ? {} : { 'Idempotency-Key': key });

  describe('operations', () => {
    it('GET /health answers ok', async () => {
      const answer = await http(`${app.url}/health`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ ok: true });
    });

    it('GET /ready pings the database', async () => {
      const answer = await http(`${app.url}/ready`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ ok: true, components: { db: 'ok' } });
    });

    it('GET /metrics serves Prometheus text with request durations by route', async () => {
      await http(`${app.url}/health`);
      const answer = await http(`${app.url}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(answer.text).toMatch(/^http_request_duration_seconds_count{[^}]*route="\/health"/m);
    });

    it('echoes a sane X-Request-ID and replaces an unsafe one', async () => {
      const echoed = await http(`${app.url}/health`, { headers: { 'X-Request-ID': 'trace-123.abc_9' } });
      expect(echoed.headers.get('x-request-id')).toBe('trace-123.abc_9');
      const replaced = await http(`${app.url}/health`, { headers: { 'X-Request-ID': 'bad id with spaces' } });
      expect(replaced.headers.get('x-request-id')).toMatch(UUID);
      const onError = await chargeRest(undefined, payment('order-rid'));
      expect(onError.status).toBe(400);
      expect(onError.headers.get('x-request-id')).toMatch(UUID);
    });

    it('answers an unknown route with 404 NOT_FOUND', async () => {
      expectProblem(await http(`${app.url}/no-such-route`), 404, 'NOT_FOUND');
      expectProblem(await postJson(`${app.url}/no-such-route`, {}), 404, 'NOT_FOUND');
    });
  });

  describe('POST /charge', () => {
    it('authorizes a payment and answers its transaction id', async () => {
      const answer = await chargeRest(freshKey('ok'), payment('order-1'));
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toEqual({ charged: true, transaction_id: expect.stringMatching(UUID) });
    });

    it('answers the same transaction for the same key and payload, whatever the key order', async () => {
      const key = freshKey('replay');
      const first = await chargeRest(key, payment('order-2'));
      const again = await http(`${app.url}/charge`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'Idempotency-Key': key },
        body: '{ "currency": "EUR", "amount_cents": 1500.0, "order_id": "order-2" }',
      });
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const rows = await app.db.client.charge.count({ where: { idempotencyKey: key } });
      expect(rows).toBe(1);
    });

    it('refuses the same key with another payload: 409 IDEMPOTENCY_CONFLICT', async () => {
      const key = freshKey('conflict');
      expect((await chargeRest(key, payment('order-3', 1500))).status).toBe(200);
      expectProblem(await chargeRest(key, payment('order-3', 1501)), 409, 'IDEMPOTENCY_CONFLICT');
      expectProblem(await chargeRest(key, payment('order-other', 1500)), 409, 'IDEMPOTENCY_CONFLICT');
      expectProblem(await chargeRest(key, payment('order-3', 1500, 'USD')), 409, 'IDEMPOTENCY_CONFLICT');
    });

    it('declines above the limit with 402 PAYMENT_FAILED, stores the decline and repeats it', async () => {
      const key = freshKey('decline');
      const over = payment('order-4', DEFAULT_DECLINE_ABOVE_CENTS + 1);
      expectProblem(await chargeRest(key, over), 402, 'PAYMENT_FAILED');
      expectProblem(await chargeRest(key, over), 402, 'PAYMENT_FAILED');
      const rows = await app.db.client.charge.findMany({ where: { idempotencyKey: key } });
      expect(rows.map((row) => row.status)).toEqual([ChargeStatus.DECLINED]);
    });

    it('authorizes exactly at the limit', async () => {
      const answer = await chargeRest(freshKey('limit'), payment('order-5', DEFAULT_DECLINE_ABOVE_CENTS));
      expect(answer.status).toBe(200);
    });

    it('requires an Idempotency-Key header: 400 naming it', async () => {
      expectProblem(await chargeRest(undefined, payment('order-6')), 400, /Idempotency-Key/);
      expectProblem(await chargeRest('has space', payment('order-6')), 400, /Idempotency-Key/);
      expectProblem(await chargeRest('k'.repeat(256), payment('order-6')), 400, /Idempotency-Key/);
      expect(await app.db.client.charge.count({ where: { orderId: 'order-6' } })).toBe(0);
    });

    it.each([
      ['amount_cents', { order_id: 'order-7', amount_cents: 0, currency: 'EUR' }],
      ['amount_cents', { order_id: 'order-7', amount_cents: 10.5, currency: 'EUR' }],
      ['amount_cents', { order_id: 'order-7', amount_cents: 100_000_001, currency: 'EUR' }],
      ['currency', { order_id: 'order-7', amount_cents: 100, currency: 'JPY' }],
      ['order_id', { order_id: 'bad id!', amount_cents: 100, currency: 'EUR' }],
      ['order_id', { amount_cents: 100, currency: 'EUR' }],
      ['extra', { order_id: 'order-7', amount_cents: 100, currency: 'EUR', extra: 1 }],
    ])('rejects a bad %s with 400 naming it', async (field, body) => {
      expectProblem(await chargeRest(freshKey('bad'), body), 400, new RegExp(field));
    });

    it('rejects malformed JSON with 400', async () => {
      const answer = await http(`${app.url}/charge`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': freshKey('malformed') },
        body: '{"order_id": ',
      });
      expectProblem(answer, 400, /JSON/);
    });

    it('rejects a body that is not JSON with 415', async () => {
      const answer = await http(`${app.url}/charge`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', 'Idempotency-Key': freshKey('text') },
        body: 'order_id=1',
      });
      expectProblem(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('rejects a body over API_MAX_BYTES with 413, with or without Content-Length', async () => {
      const big = JSON.stringify({ ...payment('order-8'), pad: 'x'.repeat(MAX_BODY_BYTES) });
      const headers = { 'Content-Type': 'application/json', 'Idempotency-Key': freshKey('big') };
      const sized = await http(`${app.url}/charge`, { method: 'POST', headers, body: big });
      expectProblem(sized, 413, 'PAYLOAD_TOO_LARGE');
      const chunked = await http(`${app.url}/charge`, {
        method: 'POST',
        headers,
        body: new Blob([big]).stream(),
        duplex: 'half',
      });
      expectProblem(chunked, 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('POST /refund', () => {
    it('refunds an authorized charge once: true, then false', async () => {
      const charged = await chargeRest(freshKey('refund'), payment('order-9'));
      const transactionId = transactionIdOf(charged.body);
      const first = await postJson(`${app.url}/refund`, { transaction_id: transactionId });
      const second = await postJson(`${app.url}/refund`, { transaction_id: transactionId });
      expect([first.status, first.body]).toEqual([200, { refunded: true }]);
      expect([second.status, second.body]).toEqual([200, { refunded: false }]);
      const row = await app.db.client.charge.findUniqueOrThrow({ where: { id: transactionId } });
      expect(row.status).toBe(ChargeStatus.REFUNDED);
      expect(row.refundedAt).toBeInstanceOf(Date);
    });

    it('does not refund a declined charge', async () => {
      const key = freshKey('declined-refund');
      await chargeRest(key, payment('order-10', DEFAULT_DECLINE_ABOVE_CENTS + 1));
      const declined = await app.db.client.charge.findUniqueOrThrow({ where: { idempotencyKey: key } });
      const answer = await postJson(`${app.url}/refund`, { transaction_id: declined.id });
      expect([answer.status, answer.body]).toEqual([200, { refunded: false }]);
      const after = await app.db.client.charge.findUniqueOrThrow({ where: { id: declined.id } });
      expect([after.status, after.refundedAt]).toEqual([ChargeStatus.DECLINED, null]);
    });

    it('answers 404 NOT_FOUND for an unknown transaction, UUID or not', async () => {
      const unknown = await postJson(`${app.url}/refund`, {
        transaction_id: '00000000-0000-4000-8000-000000000000',
      });
      expectProblem(unknown, 404, 'NOT_FOUND');
      expectProblem(await postJson(`${app.url}/refund`, { transaction_id: 'not-a-uuid' }), 404, 'NOT_FOUND');
    });

    it('rejects a missing or oversized transaction_id with 400 naming it', async () => {
      expectProblem(await postJson(`${app.url}/refund`, {}), 400, /transaction_id/);
      expectProblem(
        await postJson(`${app.url}/refund`, { transaction_id: 'x'.repeat(65) }),
        400,
        /transaction_id/,
      );
      expectProblem(await postJson(`${app.url}/refund`, { transaction_id: 7 }), 400, /transaction_id/);
    });

    it('rejects a non-JSON body with 415 and malformed JSON with 400', async () => {
      const text = await http(`${app.url}/refund`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: 'x',
      });
      expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
      const malformed = await http(`${app.url}/refund`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{',
      });
      expectProblem(malformed, 400, /JSON/);
    });
  });

  describe('tRPC', () => {
    it('charge: same key and payload → same transaction, shared with REST', async () => {
      const key = freshKey('trpc');
      const client = app.trpc({ idempotencyKey: key });
      const first = await client.charge.mutate(payment('order-11'));
      const again = await client.charge.mutate(payment('order-11'));
      const overRest = await chargeRest(key, payment('order-11'));
      expect(first).toEqual({ charged: true, transaction_id: expect.stringMatching(UUID) });
      expect(again).toEqual(first);
      expect(overRest.body).toEqual(first);
    });

    it('charge: other payload → 409 IDEMPOTENCY_CONFLICT', async () => {
      const client = app.trpc({ idempotencyKey: freshKey('trpc-conflict') });
      await client.charge.mutate(payment('order-12', 100));
      expect(await trpcFailure(client.charge.mutate(payment('order-12', 200)))).toEqual({
        httpStatus: 409,
        detail: 'IDEMPOTENCY_CONFLICT',
      });
    });

    it('charge: over the limit → 402 PAYMENT_FAILED', async () => {
      const client = app.trpc({ idempotencyKey: freshKey('trpc-decline') });
      const failure = await trpcFailure(
        client.charge.mutate(payment('order-13', DEFAULT_DECLINE_ABOVE_CENTS + 1)),
      );
      expect(failure).toEqual({ httpStatus: 402, detail: 'PAYMENT_FAILED' });
    });

    it('charge: without or with a bad Idempotency-Key → 400 naming the header', async () => {
      const missing = await trpcFailure(app.trpc().charge.mutate(payment('order-14')));
      expect(missing).toEqual({ httpStatus: 400, detail: expect.stringMatching(/Idempotency-Key/) });
      const bad = await trpcFailure(app.trpc({ idempotencyKey: 'a\tb' }).charge.mutate(payment('order-14')));
      expect(bad).toEqual({ httpStatus: 400, detail: expect.stringMatching(/Idempotency-Key/) });
    });

    it('charge: bad input → 400 naming the field', async () => {
      const client = app.trpc({ idempotencyKey: freshKey('trpc-bad') });
      const failure = await trpcFailure(client.charge.mutate(payment('order-15', -5)));
      expect(failure).toEqual({ httpStatus: 400, detail: expect.stringMatching(/amount_cents/) });
    });

    it('refund: true, then false; unknown → 404; bad input → 400', async () => {
      const client = app.trpc({ idempotencyKey: freshKey('trpc-refund') });
      const { transaction_id } = await client.charge.mutate(payment('order-16'));
      expect(await client.refund.mutate({ transaction_id })).toEqual({ refunded: true });
      expect(await client.refund.mutate({ transaction_id })).toEqual({ refunded: false });
      const unknown = await trpcFailure(
        client.refund.mutate({ transaction_id: '00000000-0000-4000-8000-000000000001' }),
      );
      expect(unknown).toEqual({ httpStatus: 404, detail: 'NOT_FOUND' });
      const bad = await trpcFailure(client.refund.mutate({ transaction_id: '' }));
      expect(bad).toEqual({ httpStatus: 400, detail: expect.stringMatching(/transaction_id/) });
    });

    it('answers a body over API_MAX_BYTES with 413 on /trpc too', async () => {
      const client = app.trpc({ idempotencyKey: freshKey('trpc-big') });
      const failure = await trpcFailure(client.refund.mutate({ transaction_id: 'x'.repeat(MAX_BODY_BYTES) }));
      expect(failure).toEqual({ httpStatus: 413, detail: 'PAYLOAD_TOO_LARGE' });
    });
  });
});

function transactionIdOf(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'transaction_id' in body) {
    const id = body.transaction_id;
    if (typeof id === 'string') return id;
  }
  throw new Error(`no transaction_id in ${JSON.stringify(body)}`);
}
