import type { QueryCounts } from '@oos/db-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  availableModes,
  type DatabaseName,
  DECLINE_ABOVE_CENTS,
  type System,
  startSystem,
} from './system.ts';

const modes = await availableModes();
const ORDERS = 5;
const order = (sku: string, amountCents = 1500) => ({
  items: [{ sku, quantity: 1 }],
  amount_cents: amountCents,
  currency: 'EUR',
});
const none: QueryCounts = { statements: 0, commits: 0 };

/**
 * What one request costs each database, in statements (round trips) and commits, counted at the driver adapter:
 * the figures docs/BENCHMARKS.md explains, pinned so that a change adding a round trip to a hot path fails here.
 */
describe.each(modes)('statements and commits per request (%s)', (mode) => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem(mode);
    await system.setStock('SKU1', 1_000);
    await system.setStock('SCARCE', 0);
    // First use of each statement (Prisma's and PostgreSQL's caches) is not what is measured.
    expect((await system.create(order('SKU1'), { 'Idempotency-Key': 'warm-up' })).status).toBe(201);
  });
  afterAll(async () => {
    await system?.close();
  });

  /** Runs `send` `times` times in a row and returns what one run cost each database. */
  async function costOf(times: number, send: (index: number) => Promise<unknown>) {
    system.resetQueryCounts();
    for (let index = 0; index < times; index += 1) await send(index);
    const counts = system.queryCounts();
    const each = (name: DatabaseName): QueryCounts => ({
      statements: counts[name].statements / times,
      commits: counts[name].commits / times,
    });
    return { gateway: each('gateway'), inventory: each('inventory'), payments: each('payments') };
  }

  const keyed = (prefix: string) => (index: number) =>
    system.create(order('SKU1'), { 'Idempotency-Key': `${prefix}-${mode}-${index}` }).then((answer) => {
      expect(answer.status).toBe(201);
    });

  it('a confirmed order with a key: 2 in the gateway database, 1 in inventory, 1 in payments', async () => {
    expect(await costOf(ORDERS, keyed('confirmed'))).toEqual({
      gateway: { statements: 2, commits: 2 },
      inventory: { statements: 1, commits: 1 },
      payments: { statements: 1, commits: 1 },
    });
  });

  it('a confirmed order without a key costs the same', async () => {
    const cost = await costOf(ORDERS, () =>
      system.create(order('SKU1')).then((answer) => expect(answer.status).toBe(201)),
    );
    expect(cost).toEqual({
      gateway: { statements: 2, commits: 2 },
      inventory: { statements: 1, commits: 1 },
      payments: { statements: 1, commits: 1 },
    });
  });

  it('a replay of a stored answer is one read in the gateway database and nothing upstream', async () => {
    await keyed('replayed')(0);
    const cost = await costOf(ORDERS, () =>
      system.create(order('SKU1'), { 'Idempotency-Key': `replayed-${mode}-0` }).then((answer) => {
        expect(answer.status).toBe(200);
        expect(answer.headers.get('idempotent-replay')).toBe('true');
      }),
    );
    expect(cost).toEqual({ gateway: { statements: 1, commits: 1 }, inventory: none, payments: none });
  });

  it('a shortage: the insert and the final write, one refused reserve, no charge', async () => {
    const cost = await costOf(ORDERS, (index) =>
      system
        .create(order('SCARCE'), { 'Idempotency-Key': `short-${mode}-${index}` })
        .then((answer) => expect(answer.status).toBe(422)),
    );
    expect(cost).toEqual({
      gateway: { statements: 2, commits: 2 },
      inventory: { statements: 1, commits: 1 },
      payments: none,
    });
  });

  it('a decline: the insert and the final write; reserve and release; one declined charge', async () => {
    const cost = await costOf(ORDERS, (index) =>
      system
        .create(order('SKU1', DECLINE_ABOVE_CENTS + 1), { 'Idempotency-Key': `declined-${mode}-${index}` })
        .then((answer) => expect(answer.status).toBe(402)),
    );
    expect(cost).toEqual({
      gateway: { statements: 2, commits: 2 },
      inventory: { statements: 2, commits: 2 },
      payments: { statements: 1, commits: 1 },
    });
  });

  it('a detail and a page of the list are one statement each', async () => {
    const created = await system.create(order('SKU1'));
    const id = String(Object(created.json).id);
    const detail = await costOf(ORDERS, () => system.request('GET', `/api/orders/${id}/`));
    expect(detail).toEqual({ gateway: { statements: 1, commits: 1 }, inventory: none, payments: none });
    const page = await costOf(ORDERS, () => system.request('GET', '/api/orders/?page=1&page_size=20'));
    expect(page).toEqual({ gateway: { statements: 1, commits: 1 }, inventory: none, payments: none });
  });
});
