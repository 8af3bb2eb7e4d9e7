import { eventPageSchema, orderEventListSchema, orderSchema } from '@oos/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { availableModes, DECLINE_ABOVE_CENTS, type System, startSystem } from './system.ts';

const modes = await availableModes();
const order = (sku: string, amountCents = 1500) => ({
  items: [{ sku, quantity: 1 }],
  amount_cents: amountCents,
  currency: 'EUR',
});

describe.each(modes)('order events: outbox, history and feed (%s)', (mode) => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem(mode);
    await system.setStock('SKU1', 1_000);
    await system.setStock('SCARCE', 0);
  });
  afterAll(async () => {
    await system?.close();
  });

  // A failed order answers with its id beside the problem's detail.
  const answerIdSchema = z
    .object({ id: z.uuid() })
    .transform(({ id }) => id)
    .or(z.object({ order_id: z.uuid() }).transform(({ order_id }) => order_id));
  const idOf = (answer: { json: unknown }) => answerIdSchema.parse(answer.json);
  const historyOf = async (id: string) => {
    const answer = await system.request('GET', `/api/orders/${id}/events/`);
    expect(answer.status).toBe(200);
    return orderEventListSchema.parse(answer.json).results;
  };
  const detailOf = async (id: string) =>
    orderSchema.parse((await system.request('GET', `/api/orders/${id}/`)).json);

  it('records each state an order had, in sequence, the last one showing the order as the API does', async () => {
    const confirmed = idOf(await system.create(order('SKU1')));
    const declined = idOf(await system.create(order('SKU1', DECLINE_ABOVE_CENTS + 1)));
    const short = idOf(await system.create(order('SCARCE')));
    const cancelled = idOf(await system.create(order('SKU1')));
    expect((await system.request('POST', `/api/orders/${cancelled}/cancel/`)).status).toBe(200);

    const cases = [
      [confirmed, ['order.created', 'order.confirmed']],
      [declined, ['order.created', 'order.failed']],
      [short, ['order.created', 'order.failed']],
      [cancelled, ['order.created', 'order.confirmed', 'order.cancelled']],
    ] as const;
    for (const [id, types] of cases) {
      const history = await historyOf(id);
      expect(history.map((event) => event.type)).toEqual(types);
      expect(history.map((event) => event.sequence)).toEqual(types.map((_, index) => index + 1));
      expect(new Set(history.map((event) => event.id)).size).toBe(types.length);
      for (const event of history) expect(event.order_id).toBe(id);
      expect(history[0]?.data.status).toBe('PENDING');
      expect(history.at(-1)?.data).toEqual(await detailOf(id));
      // Ids are derived, not random: the same on every read.
      expect((await historyOf(id)).map((event) => event.id)).toEqual(history.map((event) => event.id));
    }
    expect((await historyOf(declined)).at(-1)?.data.failure_reason).toBe('PAYMENT_FAILED');
    expect((await historyOf(short)).at(-1)?.data.failure_reason).toBe('INSUFFICIENT_STOCK');
  });

  it('answers 404 for the history of an unknown order or a non-UUID id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000009', 'not-a-uuid']) {
      const answer = await system.request('GET', `/api/orders/${id}/events/`);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ detail: 'NOT_FOUND' });
    }
  });

  it('pages through the whole feed with its cursor: every event once, oldest first, then nothing new', async () => {
    await Promise.all(Array.from({ length: 12 }, () => system.create(order('SKU1'))));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page += 1) {
      const query = cursor === undefined ? '?limit=7' : `?limit=7&after=${cursor}`;
      const answer = await system.request('GET', `/api/events/${query}`);
      expect(answer.status).toBe(200);
      const { results, next_cursor } = eventPageSchema.parse(answer.json);
      expect(results.length).toBeLessThanOrEqual(7);
      seen.push(...results.map((event) => event.id));
      if (results.length === 0) {
        expect(next_cursor).toBe(cursor);
        break;
      }
      cursor = next_cursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const count = await system.gatewayDb.orderEvent.count();
    expect(seen).toHaveLength(count);
    // Per order, the feed keeps sequence order.
    const first = eventPageSchema.parse((await system.request('GET', '/api/events/?limit=100')).json).results;
    const lastSequence = new Map<string, number>();
    for (const event of first) {
      expect(event.sequence).toBe((lastSequence.get(event.order_id) ?? 0) + 1);
      lastSequence.set(event.order_id, event.sequence);
    }
    // A new event appears after the cursor that had reached the end.
    const later = idOf(await system.create(order('SKU1')));
    const next = eventPageSchema.parse((await system.request('GET', `/api/events/?after=${cursor}`)).json);
    expect(next.results.map((event) => [event.order_id, event.type])).toEqual([
      [later, 'order.created'],
      [later, 'order.confirmed'],
    ]);
  });

  it('refuses a limit out of 1-100 and a cursor it did not hand out, naming the parameter', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['after=bm90LWEtY3Vyc29y', 'after'],
      ['after=%2F%2F', 'after'],
    ] as const) {
      const answer = await system.request('GET', `/api/events/?${query}`);
      expect(answer.status, query).toBe(400);
      expect(JSON.stringify(answer.json), query).toContain(field);
    }
  });

  it('writes events in the statements of the saga: concurrent orders each get exactly their events', async () => {
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        system.create(order('SKU1', index % 3 === 0 ? DECLINE_ABOVE_CENTS + 1 : 1500)),
      ),
    );
    for (const answer of answers) {
      // A declined order answers 402 with its id beside the problem's detail.
      const id = z
        .object({ id: z.uuid() })
        .or(z.object({ order_id: z.uuid() }))
        .parse(answer.json);
      const orderId = 'id' in id ? id.id : id.order_id;
      const types = (await historyOf(orderId)).map((event) => event.type);
      expect(types).toEqual(['order.created', answer.status === 201 ? 'order.confirmed' : 'order.failed']);
    }
  });
});
