import {
  FAILURE_REASONS,
  ORDER_EVENT_TYPES,
  type OrderEvent,
  orderEventSchema,
  STATUS_OF_EVENT,
} from '@oos/contracts';
import { Prisma, type PrismaClient } from '@oos/db-gateway';
import { z } from 'zod';
import type { EventCursor } from './event-cursor.ts';
import { orderEventId } from './event-id.ts';

/**
 * Reads of the outbox (written by triggers on `orders`, migration 20261201123427_order_events). An event row holds
 * what its change set (status by type, failure reason, transaction id, the moment); everything else the API showed
 * then is the order's and never changes, so each read joins it back.
 */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const eventColumns = Prisma.raw(`
  CAST(e."order_id" AS text) AS "order_id", e."sequence", e."type", e."failure_reason", e."transaction_id",
  to_char(e."created_at", ${ISO}) AS "created_at",
  CAST(e."txid" AS text) AS "txid", CAST(e."position" AS text) AS "position",
  o."amount_cents", o."currency", to_char(o."created_at", ${ISO}) AS "order_created_at",
  COALESCE((SELECT json_agg(json_build_object('sku', i."sku", 'quantity', i."quantity") ORDER BY i."position")
              FROM "order_items" i WHERE i."order_id" = e."order_id"), '[]'::json) AS "items"`);

const eventRowSchema = z.object({
  order_id: z.string(),
  sequence: z.number().int(),
  type: z.enum(ORDER_EVENT_TYPES),
  failure_reason: z.string().nullable(),
  transaction_id: z.string().nullable(),
  created_at: z.string(),
  txid: z.string(),
  position: z.string(),
  amount_cents: z.number().int(),
  currency: z.string(),
  order_created_at: z.string(),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
});
type EventRow = z.output<typeof eventRowSchema>;

export interface StoredEvent {
  event: OrderEvent;
  cursor: EventCursor;
}

const failureReasonOf = (value: string | null) => FAILURE_REASONS.find((reason) => reason === value);

/** The event as the API and the webhooks show it (parsed by its schema, so its keys are in document order). */
function eventOf(row: EventRow): StoredEvent {
  const status = STATUS_OF_EVENT[row.type];
  const event = orderEventSchema.parse({
    id: orderEventId(row.order_id, row.sequence),
    type: row.type,
    order_id: row.order_id,
    sequence: row.sequence,
    created_at: row.created_at,
    data: {
      id: row.order_id,
      status,
      items: row.items,
      amount_cents: row.amount_cents,
      currency: row.currency,
      transaction_id: row.transaction_id ?? undefined,
      failure_reason: status === 'FAILED' ? failureReasonOf(row.failure_reason) : undefined,
      created_at: row.order_created_at,
      updated_at: row.created_at,
    },
  });
  return { event, cursor: { txid: BigInt(row.txid), position: BigInt(row.position) } };
}

const parseRows = (rows: unknown) => z.array(eventRowSchema).parse(rows).map(eventOf);

/**
 * Events after `cursor` in feed order, at most `limit`. Only events of transactions older than every transaction
 * still running are taken: one that commits later has a larger txid, so it can never land behind a cursor that
 * was handed out (a plain sequence would let a slow commit appear before the reader's position).
 */
export async function eventsAfter(
  db: PrismaClient,
  cursor: EventCursor,
  limit: number,
): Promise<StoredEvent[]> {
  return parseRows(
    await db.$queryRaw`
      SELECT ${eventColumns}
        FROM "order_events" e JOIN "orders" o ON o."id" = e."order_id"
       WHERE (e."txid", e."position") > (CAST(${cursor.txid.toString()} AS bigint),
                                         CAST(${cursor.position.toString()} AS bigint))
         AND e."txid" < CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)
       ORDER BY e."txid", e."position"
       LIMIT CAST(${limit} AS integer)`,
  );
}

/** One order's events, in sequence; undefined when no order has this id. */
export async function eventsOfOrder(db: PrismaClient, orderId: string): Promise<OrderEvent[] | undefined> {
  const rows = parseRows(
    await db.$queryRaw`
      SELECT ${eventColumns}
        FROM "order_events" e JOIN "orders" o ON o."id" = e."order_id"
       WHERE e."order_id" = CAST(${orderId} AS uuid)
       ORDER BY e."sequence"`,
  );
  // Every order has its created event, unless retention took it: then the order itself says whether it exists.
  if (rows.length === 0 && !(await db.order.findUnique({ where: { id: orderId }, select: { id: true } }))) {
    return undefined;
  }
  return rows.map((row) => row.event);
}

/** Given events of these orders and sequences, as stored (one read for a batch of deliveries). */
export async function eventsByKey(
  db: PrismaClient,
  keys: ReadonlyArray<{ orderId: string; sequence: number }>,
): Promise<Map<string, OrderEvent>> {
  if (keys.length === 0) return new Map();
  const rows = parseRows(
    await db.$queryRaw`
      SELECT ${eventColumns}
        FROM unnest(CAST(${keys.map((key) => key.orderId)} AS uuid[]),
                    CAST(${keys.map((key) => key.sequence)} AS integer[])) AS wanted("order_id", "sequence")
        JOIN "order_events" e ON e."order_id" = wanted."order_id" AND e."sequence" = wanted."sequence"
        JOIN "orders" o ON o."id" = e."order_id"`,
  );
  return new Map(rows.map(({ event }) => [eventKey(event.order_id, event.sequence), event]));
}

export const eventKey = (orderId: string, sequence: number) => `${orderId}/${sequence}`;

/**
 * Deletes events older than `before` that no delivery still waits for (delivered or given up), with their
 * deliveries and attempts; returns how many events went.
 */
export async function sweepOldEvents(db: PrismaClient, before: Date): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "order_events" e
     WHERE e."created_at" < CAST(${before.toISOString()} AS timestamptz) AT TIME ZONE 'UTC'
       AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" d
                        WHERE d."order_id" = e."order_id" AND d."sequence" = e."sequence"
                          AND d."status" = 'PENDING')`;
}
