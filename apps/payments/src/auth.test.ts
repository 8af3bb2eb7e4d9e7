import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPayments, startPayments } from './test/harness.ts';
import { expectProblem, http, postJson } from './test/http.ts';
import { trpcFailure } from './test/trpc-error.ts';

const TOKEN = 'internal-token-for-tests-0123456789';
const charge = { order_id: 'order-auth', amount_cents: 100, currency: 'EUR' };

describe('internal token', () => {
  let app: RunningPayments;
  beforeAll(async () => {
    app = await startPayments('embedded', { internalToken: TOKEN });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers 401 UNAUTHORIZED on REST routes without the token or with another one', async () => {
    const none = await postJson(`${app.url}/charge`, charge, { 'Idempotency-Key': 'auth-1' });
    expectProblem(none, 401, 'UNAUTHORIZED');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await postJson(
      `${app.url}/refund`,
      { transaction_id: 'x' },
      { Authorization: 'Bearer nope' },
    );
    expectProblem(wrong, 401, 'UNAUTHORIZED');
    expect(await app.db.client.charge.count()).toBe(0);
  });

  it('answers 401 on tRPC without the token', async () => {
    const failure = await trpcFailure(app.trpc({ idempotencyKey: 'auth-2' }).charge.mutate(charge));
    expect(failure).toEqual({ httpStatus: 401, detail: 'UNAUTHORIZED' });
  });

  it('serves health, readiness and metrics without the token', async () => {
    expect((await http(`${app.url}/health`)).status).toBe(200);
    expect((await http(`${app.url}/ready`)).status).toBe(200);
    expect((await http(`${app.url}/metrics`)).status).toBe(200);
  });

  it('serves REST and tRPC calls that carry the token', async () => {
    const rest = await postJson(`${app.url}/charge`, charge, {
      'Idempotency-Key': 'auth-3',
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(rest.status).toBe(200);
    const viaTrpc = await app.trpc({ idempotencyKey: 'auth-3', token: TOKEN }).charge.mutate(charge);
    expect(viaTrpc).toEqual(rest.body);
  });
});
