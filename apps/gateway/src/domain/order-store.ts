import type { CreateOrderInput } from '@oos/contracts';
import { Prisma, type Statements } from '@oos/db-gateway';
import { z } from 'zod';
import type { KeyClaim, KeyHolder } from './idempotency.ts';
import type { Lease } from './order-lease.ts';
import type { OrderWithItems } from './order-view.ts';

/**
 * The writes of an order's hot path: each one statement, one round trip and one commit, calling a function of
 * the gateway database (migration 20261201100000), whose inner statements PostgreSQL plans once per connection.
 * Everything else about orders goes through Prisma's model API; these are raw because Prisma's query compiler,
 * its interactive transactions and the planning of ad-hoc statements cost more per order than the database work
 * itself, and they go straight to the driver adapter (db-kit statements.ts) because even a raw query through the
 * client costs ~100 µs of CPU (docs/BENCHMARKS.md).
 *
 * Instants travel as ISO text cast to timestamptz, so the session's time zone never matters; the functions store
 * them as UTC timestamp(3), as Prisma does, so a lease written here compares equal to the same instant written by
 * Prisma.
 */
const at = (date: Date) => Prisma.sql`CAST(${date.toISOString()} AS timestamptz)`;

/** A new PENDING order as the create request holds it: every column known before the insert. */
export function newOrder(
  id: string,
  input: CreateOrderInput,
  requestId: string,
  lease: Lease,
  now: Date,
): OrderWithItems {
  return {
    id,
    status: 'PENDING',
    failureReason: null,
    amountCents: input.amount_cents,
    currency: input.currency,
    transactionId: null,
    reserved: false,
    charged: false,
    released: false,
    refunded: false,
    cancelRequested: false,
    // Nothing has been sent yet. The row says otherwise (see insertOrder) until the runner records better.
    chargeInDoubt: false,
    lockedUntil: lease.until,
    attempts: 1,
    lastAttemptAt: now,
    requestId,
    // The trigger that writes the order.created event leaves it at 1.
    eventSequence: 1,
    createdAt: now,
    updatedAt: now,
    items: input.items.map((item, position) => ({
      orderId: id,
      position,
      sku: item.sku,
      quantity: item.quantity,
    })),
  };
}

const holderRowsSchema = z.array(
  z.object({
    claimed: z.boolean(),
    fingerprint: z.string().nullable(),
    order_id: z.string().nullable(),
    response_status: z.number().int().nullable(),
    response_body: z.string().nullable(),
  }),
);

export type ClaimOutcome = { claimed: true } | { claimed: false; holder: KeyHolder };

function claimOutcome(claim: KeyClaim, rows: unknown): ClaimOutcome {
  const [row] = holderRowsSchema.parse(rows);
  if (row === undefined)
    throw new Error(`claiming idempotency key ${claim.scope}:${claim.key} returned nothing`);
  if (row.claimed) return { claimed: true };
  return {
    claimed: false,
    holder: {
      key: claim.key,
      fingerprint: row.fingerprint ?? '',
      orderId: row.order_id,
      responseStatus: row.response_status,
      responseBody: row.response_body,
    },
  };
}

const keyExpiry = (claim: KeyClaim, now: Date) => new Date(now.getTime() + claim.ttlHours * 3_600_000);

/**
 * Stores a new PENDING order held by `lease`, with its items: one statement (`create_order`, migration
 * 20261201100000). With a claim, the key is claimed first and the order stored only if this call won it: of any
 * number of concurrent claims exactly one inserts, an expired key is free again, and a loser gets the live claim.
 */
export async function insertOrder(
  statements: Statements,
  order: OrderWithItems,
  lease: Lease,
  claim?: KeyClaim,
): Promise<ClaimOutcome> {
  const now = order.createdAt;
  const rows = await statements.rows(Prisma.sql`
    SELECT "claimed", "fingerprint", CAST("order_id" AS text) AS "order_id", "response_status", "response_body"
      FROM create_order(
        CAST(${order.id} AS uuid), ${order.amountCents}, ${order.currency}, ${order.requestId},
        CAST(${order.items.map((item) => item.sku)} AS varchar[]),
        CAST(${order.items.map((item) => item.quantity)} AS integer[]),
        ${at(now)}, ${at(lease.until)},
        ${claim?.scope ?? null}, ${claim?.key ?? null}, ${claim?.fingerprint ?? null},
        ${claim ? at(keyExpiry(claim, now)) : null})`);
  return claim ? claimOutcome(claim, rows) : { claimed: true };
}

/** Claims `(scope, key)` for an existing order (a cancel): the claim part of {@link insertOrder}. */
export async function claimKey(statements: Statements, claim: KeyClaim): Promise<ClaimOutcome> {
  const now = new Date();
  const rows = await statements.rows(Prisma.sql`
    SELECT "claimed", "fingerprint", CAST("order_id" AS text) AS "order_id", "response_status", "response_body"
      FROM claim_idempotency_key(${claim.scope}, ${claim.key}, ${claim.fingerprint},
                                 CAST(${claim.orderId} AS uuid), ${at(now)}, ${at(keyExpiry(claim, now))})`);
  return claimOutcome(claim, rows);
}

/** The order's next state as the final write of a run stores it. */
export type FinalState = Pick<
  OrderWithItems,
  'status' | 'failureReason' | 'transactionId' | 'reserved' | 'charged' | 'released' | 'chargeInDoubt'
>;

export interface StoredAnswer {
  claim: Pick<KeyClaim, 'scope' | 'key' | 'orderId'>;
  status: number;
  body: string;
}

/**
 * The last write of a run, while still holding the lease: the order's final state, the lease given up and,
 * for a keyed request, the answer stored against its key, in one statement. Returns false when the lease was
 * lost meanwhile (nothing is written then, the answer included).
 */
const finishedRowsSchema = z.array(z.object({ finished: z.boolean() }));

export async function finishOrder(
  statements: Statements,
  lease: Lease,
  next: FinalState,
  updatedAt: Date,
  answer: StoredAnswer | undefined,
): Promise<boolean> {
  const [row] = finishedRowsSchema.parse(
    await statements.rows(Prisma.sql`
      SELECT finish_order(
        CAST(${lease.orderId} AS uuid), ${at(lease.until)}, CAST(${next.status} AS "OrderStatus"),
        ${next.failureReason}, ${next.transactionId}, ${next.reserved}, ${next.charged}, ${next.released},
        ${next.chargeInDoubt}, ${at(updatedAt)},
        ${answer?.claim.scope ?? null}, ${answer?.claim.key ?? null}, ${answer?.status ?? null},
        ${answer?.body ?? null}) AS "finished"`),
  );
  return row?.finished === true;
}
