import { describeWithPostgres } from '@oos/db-kit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DECLINE_ABOVE_CENTS, type System, startSystem } from './system.ts';

// Under 100 parallel sagas the upstream calls queue behind each other: generous timeouts, no breaker trips.
const patient = { timeoutMs: 20_000, retryDeadlineMs: 40_000 };

await describeWithPostgres('concurrency on PostgreSQL', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem('postgres', { resilience: patient });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('20 parallel creates with one key: one order, one charge, the rest replays or in-progress 409s', async () => {
    await system.setStock('ONEKEY', 100);
    const payload = { items: [{ sku: 'ONEKEY', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => system.create(payload, { 'Idempotency-Key': 'one-key-for-all' })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    for (const answer of answers) {
      if (answer.status === 200) expect(answer.headers.get('idempotent-replay')).toBe('true');
      else if (answer.status === 409) expect(answer.text).toBe('{"detail":"IDEMPOTENCY_IN_PROGRESS"}');
      else expect(answer.status).toBe(201);
    }
    const created = answers.find((answer) => answer.status === 201);
    for (const replay of answers.filter((answer) => answer.status === 200))
      expect(replay.text).toBe(created?.text);
    expect(await system.gatewayDb.order.count({ where: { items: { some: { sku: 'ONEKEY' } } } })).toBe(1);
    expect(await system.stock('ONEKEY')).toBe(99);
    expect(await system.paymentsDb.charge.count()).toBe(1);
  });

  it('100 parallel orders for 5 units: exactly 5 CONFIRMED and charged, stock 0, the rest INSUFFICIENT_STOCK', async () => {
    await system.setStock('HOT', 5);
    const chargesBefore = await system.authorizedCharges();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        system.create({ items: [{ sku: 'HOT', quantity: 1 }], amount_cents: 100 + i, currency: 'EUR' }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 422)).toHaveLength(95);
    const hot = { items: { some: { sku: 'HOT' } } };
    expect(await system.gatewayDb.order.count({ where: { ...hot, status: 'CONFIRMED' } })).toBe(5);
    expect(
      await system.gatewayDb.order.count({
        where: { ...hot, status: 'FAILED', failureReason: 'INSUFFICIENT_STOCK' },
      }),
    ).toBe(95);
    expect(await system.stock('HOT')).toBe(0);
    expect((await system.authorizedCharges()) - chargesBefore).toBe(5);
  });

  it('parallel declined payments leave the stock where it was', async () => {
    await system.setStock('DECL', 10);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        system.create({
          items: [{ sku: 'DECL', quantity: 3 }],
          amount_cents: DECLINE_ABOVE_CENTS + 1,
          currency: 'EUR',
        }),
      ),
    );
    // Each either reserved and was declined (then released), or found the stock held by another at that moment.
    for (const answer of answers) expect([402, 422]).toContain(answer.status);
    expect(answers.some((answer) => answer.status === 402)).toBe(true);
    expect(await system.stock('DECL')).toBe(10);
    expect(
      await system.gatewayDb.order.count({ where: { items: { some: { sku: 'DECL' } }, status: 'PENDING' } }),
    ).toBe(0);
  });
});
