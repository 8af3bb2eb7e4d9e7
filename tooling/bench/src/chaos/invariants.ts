import pg from 'pg';
import type { ClientObservations } from './load.ts';

export interface DatabaseUrls {
  gateway: string;
  inventory: string;
  payments: string;
}

export interface Violation {
  rule:
    | 'oversell'
    | 'charge-without-confirmed-order'
    | 'double-charge'
    | 'confirmed-without-charge'
    | 'reservation-without-live-order'
    | 'confirmed-without-reservation'
    | 'order-not-final'
    | 'acknowledged-not-confirmed'
    | 'key-with-two-orders'
    | 'order-without-key'
    | 'lost-order'
    | 'replay-mismatch'
    // The order events and their webhook deliveries (webhook-invariants.ts).
    | 'event-sequence-gap'
    | 'event-invalid-path'
    | 'final-state-event'
    | 'answer-without-event'
    | 'event-not-delivered'
    | 'event-delivered-out-of-order'
    | 'webhook-bad-signature'
    | 'webhook-mismatch';
  detail: string;
}

interface OrderRow {
  id: string;
  status: string;
  transaction_id: string | null;
  /** A cancel was recorded; until the order is CANCELLED its compensation is unfinished. */
  cancel_requested?: boolean;
}
interface KeyRow {
  key: string;
  order_id: string | null;
}
interface StockRow {
  sku: string;
  quantity: number;
}
interface LineRow {
  id: string;
  status: string;
  sku: string;
  quantity: number;
}
interface ChargeRow {
  id: string;
  order_id: string;
  status: string;
}

export async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

export interface DatabaseSnapshot {
  orders: OrderRow[];
  keys: KeyRow[];
  stock: StockRow[];
  lines: LineRow[];
  charges: ChargeRow[];
}

/** Reads the three databases directly, never through the services under test. */
export async function readSnapshot(urls: DatabaseUrls): Promise<DatabaseSnapshot> {
  const [orders, keys, stock, lines, charges] = await Promise.all([
    query<OrderRow>(
      urls.gateway,
      'SELECT id::text, status::text, transaction_id, cancel_requested FROM orders',
    ),
    query<KeyRow>(urls.gateway, "SELECT key, order_id::text FROM idempotency_keys WHERE scope = 'create'"),
    query<StockRow>(urls.inventory, 'SELECT sku, quantity FROM stock'),
    query<LineRow>(
      urls.inventory,
      `SELECT r.id, r.status::text, l.sku, l.quantity
         FROM reservations r JOIN reservation_lines l ON l.reservation_id = r.id`,
    ),
    query<ChargeRow>(urls.payments, 'SELECT id::text, order_id, status::text FROM charges'),
  ]);
  return { orders, keys, stock, lines, charges };
}

const unfinishedCancel = (order: OrderRow) => order.cancel_requested === true && order.status === 'CONFIRMED';

/** Orders still in flight: PENDING, or CONFIRMED with a recorded cancel not yet completed. */
export function countPending(snapshot: Pick<DatabaseSnapshot, 'orders'>): number {
  return snapshot.orders.filter((order) => order.status === 'PENDING' || unfinishedCancel(order)).length;
}

/**
 * The money and stock invariants (CONTRACT §5) over a quiet system: every rule is checked against all rows,
 * and every client-visible promise against what the clients recorded.
 */
export function findViolations(
  snapshot: DatabaseSnapshot,
  seeded: ReadonlyMap<string, number>,
  seen: ClientObservations,
): Violation[] {
  const violations: Violation[] = [];
  const add = (rule: Violation['rule'], detail: string) => violations.push({ rule, detail });
  const orders = new Map(snapshot.orders.map((order) => [order.id, order]));

  // 1. No oversell: available + held by live reservations is exactly what was seeded.
  const held = new Map<string, number>();
  for (const line of snapshot.lines) {
    if (line.status === 'RESERVED') held.set(line.sku, (held.get(line.sku) ?? 0) + line.quantity);
  }
  const available = new Map(snapshot.stock.map((row) => [row.sku, row.quantity]));
  for (const sku of new Set([...seeded.keys(), ...available.keys(), ...held.keys()])) {
    const have = available.get(sku) ?? 0;
    const reserved = held.get(sku) ?? 0;
    const expected = seeded.get(sku) ?? 0;
    if (have < 0 || have + reserved !== expected) {
      add('oversell', `${sku}: available ${have} + reserved ${reserved} ≠ seeded ${expected}`);
    }
  }

  // 2. Money: an authorized, un-refunded charge belongs to exactly one CONFIRMED order, and is its charge.
  const chargesByOrder = new Map<string, ChargeRow[]>();
  for (const charge of snapshot.charges) {
    if (charge.status !== 'AUTHORIZED') continue;
    chargesByOrder.set(charge.order_id, [...(chargesByOrder.get(charge.order_id) ?? []), charge]);
    const order = orders.get(charge.order_id);
    if (order?.status !== 'CONFIRMED') {
      add(
        'charge-without-confirmed-order',
        `charge ${charge.id} for order ${charge.order_id} (${order?.status ?? 'unknown order'})`,
      );
    } else if (order.transaction_id !== charge.id) {
      add('charge-without-confirmed-order', `charge ${charge.id} is not order ${order.id}'s transaction`);
    }
  }
  for (const [orderId, charges] of chargesByOrder) {
    if (charges.length > 1) add('double-charge', `order ${orderId}: ${charges.length} authorized charges`);
  }

  // 3. Stock held only for live orders.
  const reservedOrders = new Set(snapshot.lines.filter((l) => l.status === 'RESERVED').map((l) => l.id));
  for (const id of reservedOrders) {
    const order = orders.get(id);
    if (order?.status !== 'CONFIRMED') {
      add(
        'reservation-without-live-order',
        `reservation ${id} held for ${order?.status ?? 'an unknown order'}`,
      );
    }
  }

  for (const order of snapshot.orders) {
    // 4. Every order final, cancellations included.
    if (unfinishedCancel(order)) {
      const state = `reservation ${reservedOrders.has(order.id) ? 'held' : 'released'}, charge ${chargesByOrder.has(order.id) ? 'not refunded' : 'refunded'}`;
      add(
        'order-not-final',
        `order ${order.id} is CONFIRMED with a cancel recorded but not completed (${state})`,
      );
    } else if (order.status === 'CONFIRMED') {
      if (!chargesByOrder.has(order.id)) add('confirmed-without-charge', `order ${order.id}`);
      if (!reservedOrders.has(order.id)) add('confirmed-without-reservation', `order ${order.id}`);
    }
    if (order.status === 'PENDING') add('order-not-final', `order ${order.id} is still PENDING`);
  }

  // 5. Keys: one order per key, and no order the key table does not point at (every chaos create had a key).
  const keyedOrders = new Map<string, string>();
  for (const row of snapshot.keys) {
    if (row.order_id === null) continue;
    const other = keyedOrders.get(row.order_id);
    if (other !== undefined)
      add('key-with-two-orders', `order ${row.order_id} under keys ${other} and ${row.key}`);
    keyedOrders.set(row.order_id, row.key);
  }
  for (const order of snapshot.orders) {
    if (!keyedOrders.has(order.id)) add('order-without-key', `order ${order.id} (${order.status})`);
  }

  // 6. What the clients were told.
  for (const record of seen.keys.values()) {
    if (record.orderIds.size > 1) {
      add('key-with-two-orders', `key ${record.key} answered with orders ${[...record.orderIds].join(', ')}`);
    }
    for (const id of record.orderIds) {
      const order = orders.get(id);
      if (!order) {
        add('lost-order', `key ${record.key}: order ${id} was named in an answer but is not stored`);
        continue;
      }
      if (!record.saw201) continue;
      const cancelledByUs = order.status === 'CANCELLED' && seen.cancelRequested.has(id);
      if (order.status !== 'CONFIRMED' && !cancelledByUs) {
        add('acknowledged-not-confirmed', `key ${record.key}: 201 for order ${id}, now ${order.status}`);
      }
    }
  }
  for (const mismatch of seen.replayMismatches) {
    add('replay-mismatch', `key ${mismatch.key}: first ${mismatch.first} then ${mismatch.replay}`);
  }
  return violations;
}
