import pg from 'pg';
import type { Violation } from './invariants.ts';
import type { ClientObservations } from './load.ts';
import type { AcceptedDelivery, RefusedDelivery } from './webhook-receiver.ts';

export interface EventRow {
  order_id: string;
  sequence: number;
  type: string;
}

export interface EventSnapshot {
  orders: { id: string; status: string }[];
  events: EventRow[];
}

/**
 * Every order's status and every order event, read in one snapshot of the gateway database (never through the
 * gateway), so a status and its events always agree in time.
 */
export async function readEventSnapshot(gatewayUrl: string): Promise<EventSnapshot> {
  const client = new pg.Client({ connectionString: gatewayUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const orders = await client.query<{ id: string; status: string }>(
      'SELECT id::text, status::text FROM orders',
    );
    const events = await client.query<EventRow>(
      'SELECT order_id::text, sequence, type FROM order_events ORDER BY order_id, sequence',
    );
    await client.query('COMMIT');
    return { orders: orders.rows, events: events.rows };
  } finally {
    await client.end();
  }
}

export interface WebhookBacklog {
  pending: number;
  delivered: number;
  failed: number;
  /** Events without any delivery yet (not fanned out to the endpoint). */
  unsent: number;
  attempts: number;
  /** Attempts that got no 2xx (an error, a timeout, a non-2xx answer). */
  failedAttempts: number;
}

export async function readWebhookBacklog(gatewayUrl: string): Promise<WebhookBacklog> {
  const client = new pg.Client({ connectionString: gatewayUrl });
  await client.connect();
  try {
    const { rows } = await client.query<WebhookBacklog>(`
      SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING')::int AS pending,
             (SELECT count(*) FROM webhook_deliveries WHERE status = 'DELIVERED')::int AS delivered,
             (SELECT count(*) FROM webhook_deliveries WHERE status = 'FAILED')::int AS failed,
             (SELECT count(*) FROM order_events e
               WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                                  WHERE d.order_id = e.order_id AND d.sequence = e.sequence))::int AS unsent,
             (SELECT count(*) FROM webhook_attempts)::int AS attempts,
             (SELECT count(*) FROM webhook_attempts
               WHERE status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)::int AS "failedAttempts"`);
    const [row] = rows;
    if (!row) throw new Error('the webhook backlog query returned no row');
    return row;
  } finally {
    await client.end();
  }
}

/** The status an order has when an event of this type is written (the oracle's own copy, not the gateway's). */
const STATUS_OF_EVENT: Readonly<Record<string, string>> = {
  'order.created': 'PENDING',
  'order.confirmed': 'CONFIRMED',
  'order.failed': 'FAILED',
  'order.cancelled': 'CANCELLED',
};
const EVENT_OF_STATUS = new Map(Object.entries(STATUS_OF_EVENT).map(([type, status]) => [status, type]));

/**
 * The paths an order's events may take: created first, then confirmed or failed (or cancelled while still
 * pending), and cancelled only after confirmed or straight from created. Nothing follows failed or cancelled.
 */
const NEXT_EVENTS: Readonly<Record<string, readonly string[]>> = {
  'order.created': ['order.confirmed', 'order.failed', 'order.cancelled'],
  'order.confirmed': ['order.cancelled'],
  'order.failed': [],
  'order.cancelled': [],
};

const eventKey = (orderId: string, sequence: number) => `${orderId}/${sequence}`;

export interface DeliveriesSeen {
  accepted: readonly AcceptedDelivery[];
  refused: readonly RefusedDelivery[];
}

/**
 * The outbox and the webhooks over a quiet, drained system:
 * - per order, its events are numbered 1..n with no gap, form a valid path, and end in exactly one event of the
 *   order's final state (so no event announces a state the order never had, and none is missing);
 * - an order a client saw answered 201 has its order.confirmed event;
 * - every event reached the receiver at least once with a valid signature, carrying what the outbox holds (type,
 *   one stable id, matching headers, the order's status of that moment), and each order's events reached it in
 *   sequence at their first delivery;
 * - no delivery was refused by verifyWebhook.
 */
export function findEventViolations(
  snapshot: EventSnapshot,
  deliveries: DeliveriesSeen,
  seen?: ClientObservations,
): Violation[] {
  const violations: Violation[] = [];
  const add = (rule: Violation['rule'], detail: string) => violations.push({ rule, detail });

  const eventsByOrder = new Map<string, EventRow[]>();
  for (const event of snapshot.events) {
    eventsByOrder.set(event.order_id, [...(eventsByOrder.get(event.order_id) ?? []), event]);
  }
  for (const order of snapshot.orders) {
    const events = [...(eventsByOrder.get(order.id) ?? [])].sort((a, b) => a.sequence - b.sequence);
    const path = events.map((event) => `${event.sequence}:${event.type}`).join(' → ') || 'no events';

    // Sequences 1..n without gaps (or repeats).
    const gap = events.findIndex((event, index) => event.sequence !== index + 1);
    if (gap !== -1) add('event-sequence-gap', `order ${order.id} (${order.status}): ${path}`);

    // A valid path.
    const invalid = events.findIndex((event, index) => {
      if (!(event.type in NEXT_EVENTS)) return true;
      const previous = events[index - 1];
      if (previous === undefined) return event.type !== 'order.created';
      return !(NEXT_EVENTS[previous.type] ?? []).includes(event.type);
    });
    if (invalid !== -1) add('event-invalid-path', `order ${order.id} (${order.status}): ${path}`);

    // Exactly one event of the final state, and it is the last one.
    const finalType = EVENT_OF_STATUS.get(order.status);
    const ofFinal = events.filter((event) => event.type === finalType).length;
    if (finalType === undefined || ofFinal !== 1 || events.at(-1)?.type !== finalType) {
      add(
        'final-state-event',
        `order ${order.id} is ${order.status}: ${ofFinal} ${finalType ?? '(no event type)'} event(s); ${path}`,
      );
    }
    eventsByOrder.delete(order.id);
  }
  for (const [orderId, events] of eventsByOrder) {
    add('event-invalid-path', `${events.length} event(s) of order ${orderId}, which is not stored`);
  }

  // What the clients were told has its event.
  const types = new Map(
    snapshot.events.map((event) => [eventKey(event.order_id, event.sequence), event.type]),
  );
  const confirmedOrders = new Set(
    snapshot.events.filter((event) => event.type === 'order.confirmed').map((event) => event.order_id),
  );
  for (const record of seen?.keys.values() ?? []) {
    if (!record.saw201) continue;
    for (const id of record.orderIds) {
      if (!confirmedOrders.has(id)) {
        add(
          'answer-without-event',
          `key ${record.key}: 201 for order ${id}, which has no order.confirmed event`,
        );
      }
    }
  }

  // Deliveries: each one as the outbox has it.
  const firstArrival = new Map<string, number>();
  const idOf = new Map<string, string>();
  const keyOfId = new Map<string, string>();
  for (const delivery of deliveries.accepted) {
    const key = eventKey(delivery.orderId, delivery.sequence);
    const what = `event ${delivery.eventId} (order ${delivery.orderId} #${delivery.sequence} ${delivery.type})`;
    const stored = types.get(key);
    if (stored === undefined) add('webhook-mismatch', `${what} was delivered but is not in order_events`);
    else if (stored !== delivery.type) add('webhook-mismatch', `${what}: order_events says ${stored}`);
    if (delivery.headerEventId !== delivery.eventId || delivery.headerEventType !== delivery.type) {
      add(
        'webhook-mismatch',
        `${what}: headers say Oos-Event-Id ${delivery.headerEventId}, Oos-Event-Type ${delivery.headerEventType}`,
      );
    }
    const expectedStatus = STATUS_OF_EVENT[delivery.type];
    if (delivery.dataStatus !== expectedStatus) {
      add('webhook-mismatch', `${what}: data.status ${delivery.dataStatus}, expected ${expectedStatus}`);
    }
    const knownId = idOf.get(key);
    if (knownId === undefined) idOf.set(key, delivery.eventId);
    else if (knownId !== delivery.eventId) {
      add(
        'webhook-mismatch',
        `order ${delivery.orderId} #${delivery.sequence} delivered as ${knownId} and ${what}`,
      );
    }
    const knownKey = keyOfId.get(delivery.eventId);
    if (knownKey === undefined) keyOfId.set(delivery.eventId, key);
    else if (knownKey !== key)
      add('webhook-mismatch', `event id ${delivery.eventId} names ${knownKey} and ${key}`);
    const first = firstArrival.get(key);
    if (first === undefined || delivery.arrival < first) firstArrival.set(key, delivery.arrival);
  }

  // Every event delivered at least once, and each order's events first delivered in sequence.
  const lastArrival = new Map<string, { sequence: number; arrival: number }>();
  for (const event of [...snapshot.events].sort(
    (a, b) => a.order_id.localeCompare(b.order_id) || a.sequence - b.sequence,
  )) {
    const arrival = firstArrival.get(eventKey(event.order_id, event.sequence));
    if (arrival === undefined) {
      add('event-not-delivered', `order ${event.order_id} #${event.sequence} ${event.type}`);
      continue;
    }
    const before = lastArrival.get(event.order_id);
    if (before !== undefined && arrival < before.arrival) {
      add(
        'event-delivered-out-of-order',
        `order ${event.order_id}: #${event.sequence} ${event.type} first arrived (request ${arrival}) before #${before.sequence} (request ${before.arrival})`,
      );
    }
    lastArrival.set(event.order_id, { sequence: event.sequence, arrival });
  }

  for (const refused of deliveries.refused) {
    add(
      'webhook-bad-signature',
      `request ${refused.arrival} (Oos-Event-Id ${refused.headerEventId ?? 'none'}): ${refused.reason}`,
    );
  }
  return violations;
}
