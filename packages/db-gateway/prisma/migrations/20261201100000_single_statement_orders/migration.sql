-- CreateTable
CREATE TABLE "order_counts" (
    "slot" SMALLINT NOT NULL,
    "orders" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "order_counts_pkey" PRIMARY KEY ("slot")
);

-- Added by hand (Prisma's schema language has no triggers and its differ ignores them).
-- Every order inserted or deleted moves the count of one slot, chosen by the inserting backend, so concurrent
-- inserts on different connections update different rows. The list sums the slots: exact, in constant time.
INSERT INTO "order_counts" ("slot", "orders") SELECT s, 0 FROM generate_series(0, 15) AS s;
UPDATE "order_counts" SET "orders" = (SELECT count(*) FROM "orders") WHERE "slot" = 0;

CREATE FUNCTION "count_orders"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE "order_counts" SET "orders" = "orders" + 1 WHERE "slot" = pg_backend_pid() % 16;
    ELSE
        UPDATE "order_counts" SET "orders" = "orders" - 1 WHERE "slot" = pg_backend_pid() % 16;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER "orders_counted" AFTER INSERT OR DELETE ON "orders"
    FOR EACH ROW EXECUTE FUNCTION "count_orders"();

-- The statements of an order's hot path, as functions: one round trip and one commit each, and PostgreSQL keeps
-- the plans of the statements inside a function for the session, so they are not planned again per order (a
-- statement sent as text is, and its planning cost more than its execution). Timestamps arrive as timestamptz
-- and are stored as UTC timestamp(3), like everything Prisma writes, so a lease written here compares equal to
-- the same instant written by Prisma.

-- claim_idempotency_key: claims (scope, key) for an order. A live claim is looked up first, so a replay (the
-- common repeat) only reads: no row lock, no transaction id, no WAL flush at its commit. Otherwise the insert
-- decides: of any number of concurrent claims exactly one wins (the primary key), and an expired key is free again
-- (taken over, never a live one). A loser gets the live claim back: it was committed by the time ON CONFLICT let
-- this call go on, and each statement in a PL/pgSQL function takes a new snapshot, so the row is visible here.
CREATE FUNCTION "claim_idempotency_key"(
    p_scope VARCHAR,
    p_key VARCHAR,
    p_fingerprint VARCHAR,
    p_order_id UUID,
    p_now TIMESTAMPTZ,
    p_expires_at TIMESTAMPTZ
) RETURNS TABLE (
    "claimed" BOOLEAN,
    "fingerprint" VARCHAR,
    "order_id" UUID,
    "response_status" INTEGER,
    "response_body" TEXT
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT FALSE, k."fingerprint", k."order_id", k."response_status", k."response_body"
          FROM "idempotency_keys" k
         WHERE k."scope" = p_scope AND k."key" = p_key AND k."expires_at" > p_now AT TIME ZONE 'UTC';
    IF FOUND THEN
        RETURN;
    END IF;
    INSERT INTO "idempotency_keys" ("scope", "key", "fingerprint", "order_id", "created_at", "expires_at")
    VALUES (p_scope, p_key, p_fingerprint, p_order_id, p_now AT TIME ZONE 'UTC', p_expires_at AT TIME ZONE 'UTC')
    ON CONFLICT ("scope", "key") DO UPDATE
       SET "fingerprint" = EXCLUDED."fingerprint", "order_id" = EXCLUDED."order_id",
           "response_status" = NULL, "response_body" = NULL,
           "created_at" = EXCLUDED."created_at", "expires_at" = EXCLUDED."expires_at"
     WHERE "idempotency_keys"."expires_at" <= EXCLUDED."created_at";
    IF FOUND THEN
        RETURN QUERY SELECT TRUE, NULL::VARCHAR, p_order_id, NULL::INTEGER, NULL::TEXT;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT FALSE, k."fingerprint", k."order_id", k."response_status", k."response_body"
          FROM "idempotency_keys" k
         WHERE k."scope" = p_scope AND k."key" = p_key;
END;
$$;

-- create_order: a new PENDING order held by its runner's lease, with its items, under its idempotency key when
-- there is one (claimed first: a key held by another order inserts nothing and returns that claim).
-- charge_in_doubt starts true: the runner may send the charge at any moment, and a runner that dies without
-- recording better leaves an order whose charge must be settled, never assumed absent.
CREATE FUNCTION "create_order"(
    p_id UUID,
    p_amount_cents INTEGER,
    p_currency VARCHAR,
    p_request_id VARCHAR,
    p_skus VARCHAR[],
    p_quantities INTEGER[],
    p_now TIMESTAMPTZ,
    p_locked_until TIMESTAMPTZ,
    p_scope VARCHAR,
    p_key VARCHAR,
    p_fingerprint VARCHAR,
    p_key_expires_at TIMESTAMPTZ
) RETURNS TABLE (
    "claimed" BOOLEAN,
    "fingerprint" VARCHAR,
    "order_id" UUID,
    "response_status" INTEGER,
    "response_body" TEXT
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    holder RECORD;
BEGIN
    IF p_key IS NOT NULL THEN
        SELECT * INTO holder FROM claim_idempotency_key(p_scope, p_key, p_fingerprint, p_id, p_now, p_key_expires_at);
        IF NOT holder."claimed" THEN
            RETURN QUERY SELECT holder."claimed", holder."fingerprint", holder."order_id",
                                holder."response_status", holder."response_body";
            RETURN;
        END IF;
    END IF;
    INSERT INTO "orders" ("id", "amount_cents", "currency", "request_id", "locked_until", "attempts",
                          "last_attempt_at", "charge_in_doubt", "created_at", "updated_at")
    VALUES (p_id, p_amount_cents, p_currency, p_request_id, p_locked_until AT TIME ZONE 'UTC', 1,
            p_now AT TIME ZONE 'UTC', TRUE, p_now AT TIME ZONE 'UTC', p_now AT TIME ZONE 'UTC');
    INSERT INTO "order_items" ("order_id", "position", "sku", "quantity")
    SELECT p_id, (item."ordinality" - 1)::INTEGER, item."sku", item."quantity"
      FROM unnest(p_skus, p_quantities) WITH ORDINALITY AS item("sku", "quantity", "ordinality");
    RETURN QUERY SELECT TRUE, NULL::VARCHAR, p_id, NULL::INTEGER, NULL::TEXT;
END;
$$;

-- finish_order: the last write of a saga run, while its lease still holds: the final state, the lease given
-- up and, for a request with an idempotency key, the answer stored against the key. False (and nothing
-- written) when the lease was lost meanwhile.
CREATE FUNCTION "finish_order"(
    p_id UUID,
    p_locked_until TIMESTAMPTZ,
    p_status "OrderStatus",
    p_failure_reason VARCHAR,
    p_transaction_id VARCHAR,
    p_reserved BOOLEAN,
    p_charged BOOLEAN,
    p_released BOOLEAN,
    p_charge_in_doubt BOOLEAN,
    p_updated_at TIMESTAMPTZ,
    p_scope VARCHAR,
    p_key VARCHAR,
    p_response_status INTEGER,
    p_response_body TEXT
) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "orders"
       SET "status" = p_status, "failure_reason" = p_failure_reason, "transaction_id" = p_transaction_id,
           "reserved" = p_reserved, "charged" = p_charged, "released" = p_released,
           "charge_in_doubt" = p_charge_in_doubt, "locked_until" = NULL,
           "updated_at" = p_updated_at AT TIME ZONE 'UTC'
     WHERE "id" = p_id AND "locked_until" = p_locked_until AT TIME ZONE 'UTC';
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    IF p_key IS NOT NULL THEN
        UPDATE "idempotency_keys"
           SET "response_status" = p_response_status, "response_body" = p_response_body
         WHERE "scope" = p_scope AND "key" = p_key AND "order_id" = p_id AND "response_status" IS NULL;
    END IF;
    RETURN TRUE;
END;
$$;

-- order_views: the public view of orders, newest first (created_at, then id), with the timestamps already in
-- the API ISO form (UTC, milliseconds) and the items as a JSON array in their position order. One id gives
-- that order (or nothing), no id gives a page.
CREATE FUNCTION "order_views"(p_id UUID, p_limit INTEGER, p_offset INTEGER) RETURNS TABLE (
    "id" TEXT,
    "status" TEXT,
    "amount_cents" INTEGER,
    "currency" VARCHAR,
    "transaction_id" VARCHAR,
    "failure_reason" VARCHAR,
    "created_at" TEXT,
    "updated_at" TEXT,
    "items" JSON
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF p_id IS NOT NULL THEN
        RETURN QUERY
            SELECT o."id"::TEXT, o."status"::TEXT, o."amount_cents", o."currency", o."transaction_id",
                   o."failure_reason", to_char(o."created_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   to_char(o."updated_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   COALESCE((SELECT json_agg(json_build_object('sku', i."sku", 'quantity', i."quantity")
                                             ORDER BY i."position")
                               FROM "order_items" i WHERE i."order_id" = o."id"), '[]'::JSON)
              FROM "orders" o
             WHERE o."id" = p_id;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT o."id"::TEXT, o."status"::TEXT, o."amount_cents", o."currency", o."transaction_id",
               o."failure_reason", to_char(o."created_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               to_char(o."updated_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               COALESCE((SELECT json_agg(json_build_object('sku', i."sku", 'quantity', i."quantity")
                                         ORDER BY i."position")
                           FROM "order_items" i WHERE i."order_id" = o."id"), '[]'::JSON)
          FROM "orders" o
         ORDER BY o."created_at" DESC, o."id" DESC
         LIMIT p_limit OFFSET p_offset;
END;
$$;

-- order_count: the exact number of orders, from the slots the trigger keeps.
CREATE FUNCTION "order_count"() RETURNS BIGINT
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(sum("orders"), 0)::BIGINT FROM "order_counts"
$$;
