import { describe, expect, it } from 'vitest';
import { emptyObservations } from './load.ts';
import { type DeliveriesSeen, type EventSnapshot, findEventViolations } from './webhook-invariants.ts';
import type { AcceptedDelivery } from './webhook-receiver.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const STATUS: Record<string, string> = {
  'order.created': 'PENDING',
  'order.confirmed': 'CONFIRMED',
  'order.failed': 'FAILED',
  'order.cancelled': 'CANCELLED',
};

/** A confirmed-then-cancelled order, a failed one and a confirmed one, each event delivered once in sequence. */
function consistent(): {
  snapshot: EventSnapshot;
  deliveries: DeliveriesSeen & { accepted: AcceptedDelivery[] };
} {
  const events = [
    { order_id: A, sequence: 1, type: 'order.created' },
    { order_id: A, sequence: 2, type: 'order.confirmed' },
    { order_id: A, sequence: 3, type: 'order.cancelled' },
    { order_id: B, sequence: 1, type: 'order.created' },
    { order_id: B, sequence: 2, type: 'order.failed' },
    { order_id: C, sequence: 1, type: 'order.created' },
    { order_id: C, sequence: 2, type: 'order.confirmed' },
  ];
  const accepted = events.map(
    (event, arrival): AcceptedDelivery => ({
      arrival,
      eventId: `evt-${event.order_id.slice(-1)}-${event.sequence}`,
      type: event.type,
      orderId: event.order_id,
      sequence: event.sequence,
      headerEventId: `evt-${event.order_id.slice(-1)}-${event.sequence}`,
      headerEventType: event.type,
      dataStatus: STATUS[event.type],
    }),
  );
  return {
    snapshot: {
      orders: [
        { id: A, status: 'CANCELLED' },
        { id: B, status: 'FAILED' },
        { id: C, status: 'CONFIRMED' },
      ],
      events,
    },
    deliveries: { accepted, refused: [] },
  };
}

const rules = (snapshot: EventSnapshot, deliveries: DeliveriesSeen) =>
  findEventViolations(snapshot, deliveries).map((violation) => violation.rule);

describe('findEventViolations', () => {
  it('finds nothing when every order has its path and every event arrived in sequence', () => {
    const { snapshot, deliveries } = consistent();
    expect(findEventViolations(snapshot, deliveries)).toEqual([]);
  });

  it('accepts duplicates and retries, as long as each first delivery came in sequence', () => {
    const { snapshot, deliveries } = consistent();
    const [first] = deliveries.accepted;
    if (first === undefined) throw new Error('no delivery');
    deliveries.accepted.push({ ...first, arrival: 100 });
    expect(findEventViolations(snapshot, deliveries)).toEqual([]);
  });

  it('sees an event for a state the order never had: order.confirmed of a FAILED order', () => {
    const { snapshot, deliveries } = consistent();
    snapshot.events.splice(4, 1, { order_id: B, sequence: 2, type: 'order.confirmed' });
    snapshot.events.push({ order_id: B, sequence: 3, type: 'order.failed' });
    const found = findEventViolations(snapshot, deliveries);
    expect(found.map((violation) => violation.rule)).toContain('event-invalid-path');
    expect(found.find((violation) => violation.rule === 'event-invalid-path')?.detail).toContain(
      '2:order.confirmed → 3:order.failed',
    );
  });

  it('sees a cancel after a failure and a path that does not start with order.created', () => {
    const { snapshot, deliveries } = consistent();
    snapshot.orders[1] = { id: B, status: 'CANCELLED' };
    snapshot.events.push({ order_id: B, sequence: 3, type: 'order.cancelled' });
    snapshot.events[5] = { order_id: C, sequence: 1, type: 'order.confirmed' };
    snapshot.events.splice(6, 1);
    const found = rules(snapshot, deliveries);
    expect(found.filter((rule) => rule === 'event-invalid-path')).toHaveLength(2);
  });

  it('sees a gap in the sequences', () => {
    const { snapshot, deliveries } = consistent();
    snapshot.events.splice(1, 1);
    expect(rules(snapshot, deliveries)).toContain('event-sequence-gap');
  });

  it('sees a final state without its event, or with two of them', () => {
    const missing = consistent();
    missing.snapshot.events.splice(6, 1);
    expect(rules(missing.snapshot, missing.deliveries)).toContain('final-state-event');

    const twice = consistent();
    twice.snapshot.events.push({ order_id: C, sequence: 3, type: 'order.confirmed' });
    expect(rules(twice.snapshot, twice.deliveries)).toEqual(
      expect.arrayContaining(['final-state-event', 'event-invalid-path']),
    );
  });

  it('sees an event the receiver never got, and one whose first delivery overtook an earlier one', () => {
    const { snapshot, deliveries } = consistent();
    deliveries.accepted.splice(4, 1); // B #2 never arrived
    const confirmedOfA = deliveries.accepted[1];
    if (confirmedOfA === undefined) throw new Error('no delivery');
    confirmedOfA.arrival = 50; // A #2 first arrived after A #3 (arrival 2)
    const found = findEventViolations(snapshot, deliveries);
    expect(found.map((violation) => violation.rule).sort()).toEqual([
      'event-delivered-out-of-order',
      'event-not-delivered',
    ]);
    expect(found.find((violation) => violation.rule === 'event-not-delivered')?.detail).toBe(
      `order ${B} #2 order.failed`,
    );
  });

  it('sees a refused signature and a delivery that does not match the outbox', () => {
    const { snapshot, deliveries } = consistent();
    const refused = [
      { arrival: 9, reason: 'the signature does not match the body and the secret', headerEventId: 'x' },
    ];
    const [first, second] = deliveries.accepted;
    if (first === undefined || second === undefined) throw new Error('no delivery');
    deliveries.accepted[0] = { ...first, headerEventType: 'order.confirmed' };
    deliveries.accepted[1] = { ...second, dataStatus: 'PENDING' };
    deliveries.accepted.push({ ...first, arrival: 10, eventId: 'another-id', headerEventId: 'another-id' });
    const found = rules(snapshot, { accepted: deliveries.accepted, refused });
    expect(found).toContain('webhook-bad-signature');
    expect(found.filter((rule) => rule === 'webhook-mismatch')).toHaveLength(3);
  });

  it('sees a 201 whose order has no order.confirmed event', () => {
    const { snapshot, deliveries } = consistent();
    const seen = emptyObservations();
    seen.keys.set('kb', {
      key: 'kb',
      body: '{}',
      orderIds: new Set([B]),
      firstFinal: undefined,
      saw201: true,
      attempts: 1,
    });
    expect(findEventViolations(snapshot, deliveries, seen).map((violation) => violation.rule)).toEqual([
      'answer-without-event',
    ]);
  });
});
