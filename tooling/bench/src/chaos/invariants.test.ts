import { describe, expect, it } from 'vitest';
import { type DatabaseSnapshot, findViolations } from './invariants.ts';
import { emptyObservations, type KeyRecord } from './load.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function consistent(): DatabaseSnapshot {
  return {
    orders: [
      { id: A, status: 'CONFIRMED', transaction_id: 'tx-a' },
      { id: B, status: 'FAILED', transaction_id: null },
    ],
    keys: [
      { key: 'ka', order_id: A },
      { key: 'kb', order_id: B },
    ],
    stock: [{ sku: 'S1', quantity: 8 }],
    lines: [
      { id: A, status: 'RESERVED', sku: 'S1', quantity: 2 },
      { id: B, status: 'RELEASED', sku: 'S1', quantity: 5 },
    ],
    charges: [
      { id: 'tx-a', order_id: A, status: 'AUTHORIZED' },
      { id: 'tx-b', order_id: B, status: 'DECLINED' },
    ],
  };
}

const seeded = new Map([['S1', 10]]);

function record(key: string, ids: string[], saw201: boolean): KeyRecord {
  return { key, body: '{}', orderIds: new Set(ids), firstFinal: undefined, saw201, attempts: 1 };
}

describe('findViolations', () => {
  it('finds nothing in a consistent system', () => {
    const seen = emptyObservations();
    seen.keys.set('ka', record('ka', [A], true));
    expect(findViolations(consistent(), seeded, seen)).toEqual([]);
  });

  it('sees oversell, a leaked reservation and an un-refunded charge of a failed order', () => {
    const snapshot = consistent();
    snapshot.stock = [{ sku: 'S1', quantity: 9 }];
    snapshot.lines.push({ id: B, status: 'RESERVED', sku: 'S1', quantity: 1 });
    snapshot.charges.push({ id: 'tx-b2', order_id: B, status: 'AUTHORIZED' });
    const rules = findViolations(snapshot, seeded, emptyObservations()).map((v) => v.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        'oversell',
        'reservation-without-live-order',
        'charge-without-confirmed-order',
      ]),
    );
  });

  it('sees a double charge, a pending order and an order without its key', () => {
    const snapshot = consistent();
    snapshot.charges.push({ id: 'tx-a2', order_id: A, status: 'AUTHORIZED' });
    snapshot.orders.push({ id: 'c', status: 'PENDING', transaction_id: null });
    const rules = findViolations(snapshot, seeded, emptyObservations()).map((v) => v.rule);
    expect(rules).toEqual(expect.arrayContaining(['double-charge', 'order-not-final', 'order-without-key']));
  });

  it('sees a 201 whose order is not confirmed, a key with two orders, and a lost order', () => {
    const snapshot = consistent();
    const seen = emptyObservations();
    seen.keys.set('kb', record('kb', [B], true));
    seen.keys.set('kx', record('kx', [A, 'ffffffff-0000-4000-8000-000000000000'], false));
    const rules = findViolations(snapshot, seeded, seen).map((v) => v.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['acknowledged-not-confirmed', 'key-with-two-orders', 'lost-order']),
    );
  });

  it('sees a cancel recorded but never completed as an unfinished order', () => {
    const snapshot = consistent();
    snapshot.orders[0] = { id: A, status: 'CONFIRMED', transaction_id: 'tx-a', cancel_requested: true };
    snapshot.lines[0] = { id: A, status: 'RELEASED', sku: 'S1', quantity: 2 };
    snapshot.stock = [{ sku: 'S1', quantity: 10 }];
    const rules = findViolations(snapshot, seeded, emptyObservations()).map((v) => v.rule);
    expect(rules).toEqual(['order-not-final']);
  });

  it('accepts a 201 order that the clients themselves cancelled later', () => {
    const snapshot = consistent();
    snapshot.orders[0] = { id: A, status: 'CANCELLED', transaction_id: 'tx-a' };
    snapshot.lines[0] = { id: A, status: 'RELEASED', sku: 'S1', quantity: 2 };
    snapshot.stock = [{ sku: 'S1', quantity: 10 }];
    snapshot.charges[0] = { id: 'tx-a', order_id: A, status: 'REFUNDED' };
    const seen = emptyObservations();
    seen.keys.set('ka', record('ka', [A], true));
    expect(findViolations(snapshot, seeded, seen).map((v) => v.rule)).toEqual(['acknowledged-not-confirmed']);
    seen.cancelRequested.add(A);
    expect(findViolations(snapshot, seeded, seen)).toEqual([]);
  });
});
