import { describeWithPostgres } from '@oos/db-kit/testing';
import { ChargeStatus } from '@oos/db-payments';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningPayments, startPayments } from './test/harness.ts';
import { postJson } from './test/http.ts';

const CALLS = 20;
const times = <T>(count: number, make: (index: number) => T): T[] =>
  Array.from({ length: count }, (_, i) => make(i));

// PGlite is a single connection, so races can only be proven on real PostgreSQL.
await describeWithPostgres('payments under concurrency (PostgreSQL)', () => {
  let app: RunningPayments;
  beforeAll(async () => {
    app = await startPayments('postgres');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const charge = (key: string, amountCents = 2500) =>
    postJson(
      `${app.url}/charge`,
      { order_id: 'order-race', amount_cents: amountCents, currency: 'EUR' },
      { 'Idempotency-Key': key },
    );

  it(`${CALLS} concurrent charges with one key: one row, one transaction id, every call answers it`, async () => {
    const key = 'race:same-payload';
    const answers = await Promise.all([
      ...times(CALLS / 2, () => charge(key)),
      ...times(CALLS / 2, () =>
        app
          .trpc({ idempotencyKey: key })
          .charge.mutate({ order_id: 'order-race', amount_cents: 2500, currency: 'EUR' }),
      ),
    ]);
    const rows = await app.db.client.charge.findMany({ where: { idempotencyKey: key } });
    expect(rows).toHaveLength(1);
    const expected = { charged: true, transaction_id: rows[0]?.id };
    for (const answer of answers)
      expect('status' in answer ? [answer.status, answer.body] : [200, answer]).toEqual([200, expected]);
  });

  it('concurrent charges with one key and two payloads: one row; its payload succeeds, the other gets 409', async () => {
    const key = 'race:two-payloads';
    const answers = await Promise.all(times(CALLS, (i) => charge(key, i % 2 === 0 ? 100 : 200)));
    const rows = await app.db.client.charge.findMany({ where: { idempotencyKey: key } });
    expect(rows).toHaveLength(1);
    const winner = rows[0];
    for (const [i, answer] of answers.entries()) {
      const amount = i % 2 === 0 ? 100 : 200;
      if (amount === winner?.amountCents) {
        expect([answer.status, answer.body]).toEqual([200, { charged: true, transaction_id: winner.id }]);
      } else {
        expect([answer.status, answer.body]).toEqual([409, { detail: 'IDEMPOTENCY_CONFLICT' }]);
      }
    }
  });

  it('refund twice: refunded once, refunded_at unchanged by the second', async () => {
    const { transaction_id } = await app.trpc({ idempotencyKey: 'refund:twice' }).charge.mutate({
      order_id: 'order-refund-twice',
      amount_cents: 700,
      currency: 'GBP',
    });
    const first = await postJson(`${app.url}/refund`, { transaction_id });
    const afterFirst = await app.db.client.charge.findUniqueOrThrow({ where: { id: transaction_id } });
    const second = await postJson(`${app.url}/refund`, { transaction_id });
    const afterSecond = await app.db.client.charge.findUniqueOrThrow({ where: { id: transaction_id } });
    expect([first.body, second.body]).toEqual([{ refunded: true }, { refunded: false }]);
    expect(afterFirst.status).toBe(ChargeStatus.REFUNDED);
    expect(afterFirst.refundedAt).toBeInstanceOf(Date);
    expect(afterSecond.refundedAt).toEqual(afterFirst.refundedAt);
  });

  it(`${CALLS} concurrent refunds of one charge: exactly one refunds`, async () => {
    const { transaction_id } = await app.trpc({ idempotencyKey: 'refund:race' }).charge.mutate({
      order_id: 'order-refund-race',
      amount_cents: 900,
      currency: 'USD',
    });
    const answers = await Promise.all(
      times(CALLS, (i) =>
        i % 2 === 0
          ? postJson(`${app.url}/refund`, { transaction_id }).then((answer) => answer.body)
          : app.trpc().refund.mutate({ transaction_id }),
      ),
    );
    expect(answers.filter((answer) => JSON.stringify(answer) === '{"refunded":true}')).toHaveLength(1);
    expect(answers.filter((answer) => JSON.stringify(answer) === '{"refunded":false}')).toHaveLength(
      CALLS - 1,
    );
    const row = await app.db.client.charge.findUniqueOrThrow({ where: { id: transaction_id } });
    expect(row.status).toBe(ChargeStatus.REFUNDED);
    expect(row.refundedAt).toBeInstanceOf(Date);
  });
});
