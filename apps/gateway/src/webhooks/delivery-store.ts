import { Prisma, type PrismaClient } from '@oos/db-gateway';
import { z } from 'zod';

/**
 * The dispatcher's writes, one statement each. Timestamps travel as ISO text cast to timestamptz and are stored as
 * UTC timestamp(3), like everything Prisma writes.
 */
const at = (date: Date) => Prisma.sql`(CAST(${date.toISOString()} AS timestamptz) AT TIME ZONE 'UTC')`;
const VISIBLE_XMIN = Prisma.raw(`CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)`);

/**
 * Registers endpoints the database does not know yet. A new endpoint starts at the end of the feed: it is sent
 * what happens from now on (the feed has the history).
 */
export async function registerEndpoints(db: PrismaClient, urls: readonly string[]): Promise<void> {
  if (urls.length === 0) return;
  await db.$executeRaw`
    INSERT INTO "webhook_endpoints" ("url", "after_txid", "after_position")
    SELECT url, COALESCE(head."txid", 0), COALESCE(head."position", 0)
      FROM unnest(CAST(${urls} AS varchar[])) AS url
      LEFT JOIN (SELECT "txid", "position" FROM "order_events" WHERE "txid" < ${VISIBLE_XMIN}
                  ORDER BY "txid" DESC, "position" DESC LIMIT 1) AS head ON TRUE
    ON CONFLICT ("url") DO NOTHING`;
}

const fanOutSchema = z.array(z.object({ events: z.number().int(), deliveries: z.number().int() }));

/**
 * Creates the deliveries of the next `limit` events (feed order) for one endpoint, of the types it wants, and moves
 * its cursor past them, in one statement. The endpoint's row is locked for it, and an endpoint another replica is
 * fanning out is skipped, so its events are never read twice at once.
 */
export async function fanOut(
  db: PrismaClient,
  endpoint: { url: string; types: readonly string[] },
  limit: number,
  now: Date,
  giveUpAt: Date,
): Promise<{ events: number; deliveries: number }> {
  const [row] = fanOutSchema.parse(
    await db.$queryRaw`
      WITH endpoint AS (
        SELECT "url", "after_txid", "after_position" FROM "webhook_endpoints"
         WHERE "url" = ${endpoint.url} FOR UPDATE SKIP LOCKED
      ), batch AS (
        SELECT e."order_id", e."sequence", e."type", e."txid", e."position"
          FROM "order_events" e, endpoint
         WHERE (e."txid", e."position") > (endpoint."after_txid", endpoint."after_position")
           AND e."txid" < ${VISIBLE_XMIN}
         ORDER BY e."txid", e."position"
         LIMIT CAST(${limit} AS integer)
      ), created AS (
        INSERT INTO "webhook_deliveries" ("endpoint_url", "order_id", "sequence", "next_attempt_at", "give_up_at",
                                          "created_at", "updated_at")
        SELECT ${endpoint.url}, batch."order_id", batch."sequence", ${at(now)}, ${at(giveUpAt)}, ${at(now)}, ${at(now)}
          FROM batch
         WHERE batch."type" = ANY(CAST(${[...endpoint.types]} AS varchar[]))
        ON CONFLICT ("order_id", "endpoint_url", "sequence") DO NOTHING
        RETURNING 1
      ), moved AS (
        UPDATE "webhook_endpoints" w SET "after_txid" = last."txid", "after_position" = last."position"
          FROM (SELECT "txid", "position" FROM batch ORDER BY "txid" DESC, "position" DESC LIMIT 1) AS last
         WHERE w."url" = ${endpoint.url}
        RETURNING 1
      )
      SELECT CAST((SELECT count(*) FROM batch) AS integer) AS "events",
             CAST((SELECT count(*) FROM created) AS integer) AS "deliveries"`,
  );
  return row ?? { events: 0, deliveries: 0 };
}

export interface ClaimedDelivery {
  id: string;
  endpointUrl: string;
  orderId: string;
  sequence: number;
  /** Attempts made before this one. */
  attempts: number;
  giveUpAt: Date;
  /** The claim: every write about this attempt is conditional on it. */
  lockedUntil: Date;
}

const claimedSchema = z.array(
  z.object({
    id: z.string(),
    endpoint_url: z.string(),
    order_id: z.string(),
    sequence: z.number().int(),
    attempts: z.number().int(),
    give_up_at: z.coerce.date(),
  }),
);

/**
 * Claims due deliveries to these endpoints that nobody holds, in one statement: `FOR UPDATE SKIP LOCKED` (another
 * replica claiming at the same moment skips the rows this one took) and a lease written before the commit, so each
 * attempt is made by one dispatcher at a time. A delivery waits while an earlier event of its order is still
 * pending for the same endpoint: an order's events arrive in sequence, also while an earlier one is being retried.
 */
export async function claimDeliveries(
  db: PrismaClient,
  urls: readonly string[],
  now: Date,
  until: Date,
  limit: number,
): Promise<ClaimedDelivery[]> {
  const rows = claimedSchema.parse(
    await db.$queryRaw`
      UPDATE "webhook_deliveries" d SET "locked_until" = ${at(until)}
       WHERE d."id" IN (
         SELECT c."id" FROM "webhook_deliveries" c
          WHERE c."status" = 'PENDING'
            AND c."endpoint_url" = ANY(CAST(${[...urls]} AS varchar[]))
            AND c."next_attempt_at" <= ${at(now)}
            AND (c."locked_until" IS NULL OR c."locked_until" < ${at(now)})
            AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" p
                             WHERE p."endpoint_url" = c."endpoint_url" AND p."order_id" = c."order_id"
                               AND p."sequence" < c."sequence" AND p."status" = 'PENDING')
          ORDER BY c."next_attempt_at", c."id"
          LIMIT CAST(${limit} AS integer)
          FOR UPDATE SKIP LOCKED)
      RETURNING CAST(d."id" AS text) AS "id", d."endpoint_url", CAST(d."order_id" AS text) AS "order_id",
                d."sequence", d."attempts",
                to_char(d."give_up_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "give_up_at"`,
  );
  return rows.map((row) => ({
    id: row.id,
    endpointUrl: row.endpoint_url,
    orderId: row.order_id,
    sequence: row.sequence,
    attempts: row.attempts,
    giveUpAt: row.give_up_at,
    lockedUntil: until,
  }));
}

export interface AttemptRecord {
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  at: Date;
  /** DELIVERED, or PENDING again (at `nextAttemptAt`), or FAILED. */
  status: 'DELIVERED' | 'PENDING' | 'FAILED';
  nextAttemptAt: Date;
}

/**
 * The delivery's state after an attempt, with the attempt in its log, in one statement and only while the claim
 * holds (false otherwise: the lease expired and someone else may be sending it).
 */
export async function recordAttempt(
  db: PrismaClient,
  claim: ClaimedDelivery,
  attempt: AttemptRecord,
): Promise<boolean> {
  const error = attempt.error?.slice(0, 512) ?? null;
  const rows = z.array(z.object({ attempt: z.number().int() })).parse(
    await db.$queryRaw`
      WITH updated AS (
        UPDATE "webhook_deliveries"
           SET "status" = CAST(${attempt.status} AS "WebhookDeliveryStatus"), "attempts" = "attempts" + 1,
               "next_attempt_at" = ${at(attempt.nextAttemptAt)}, "locked_until" = NULL,
               "last_status_code" = ${attempt.statusCode}, "last_error" = ${error},
               "delivered_at" = ${attempt.status === 'DELIVERED' ? at(attempt.at) : null},
               "updated_at" = ${at(attempt.at)}
         WHERE "id" = CAST(${claim.id} AS uuid) AND "locked_until" = ${at(claim.lockedUntil)}
        RETURNING "id", "attempts"
      )
      INSERT INTO "webhook_attempts" ("delivery_id", "attempt", "status_code", "latency_ms", "error", "at")
      SELECT "id", "attempts", ${attempt.statusCode}, ${attempt.latencyMs}, ${error}, ${at(attempt.at)} FROM updated
      RETURNING "attempt"`,
  );
  return rows.length === 1;
}

/** Gives back a claim whose attempt never started, so it is due again at once. */
export async function releaseClaim(db: PrismaClient, claim: ClaimedDelivery): Promise<void> {
  await db.$executeRaw`
    UPDATE "webhook_deliveries" SET "locked_until" = NULL
     WHERE "id" = CAST(${claim.id} AS uuid) AND "locked_until" = ${at(claim.lockedUntil)}`;
}

/**
 * When the oldest event still waiting for a delivery to one of these endpoints happened (undefined when none
 * waits). Deliveries to an endpoint no longer configured are nobody's to send and do not count.
 */
export async function oldestUndelivered(
  db: PrismaClient,
  urls: readonly string[],
): Promise<Date | undefined> {
  const [row] = z.array(z.object({ oldest: z.coerce.date().nullable() })).parse(
    await db.$queryRaw`
      SELECT to_char(min(e."created_at"), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "oldest"
        FROM "webhook_deliveries" d
        JOIN "order_events" e ON e."order_id" = d."order_id" AND e."sequence" = d."sequence"
       WHERE d."status" = 'PENDING' AND d."endpoint_url" = ANY(CAST(${[...urls]} AS varchar[]))`,
  );
  return row?.oldest ?? undefined;
}
