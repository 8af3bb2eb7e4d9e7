-- Added by hand: Prisma's schema language has no functions and its differ ignores them.
--
-- authorize_charge: one row per idempotency key, in one statement (one round trip, one commit), whose inner
-- statements PostgreSQL plans once per connection. The insert skips a key that already exists (ON CONFLICT DO
-- NOTHING waits for a racing insert of the same key to commit), so however many calls race, exactly one row
-- wins, and every call gets that row back: the lookup that follows a skipped insert takes a new snapshot (each
-- statement in a PL/pgSQL function does), so the winner's committed row is visible. "made" says whether this
-- call inserted it.
CREATE FUNCTION "authorize_charge"(
    p_id UUID,
    p_idempotency_key VARCHAR,
    p_fingerprint VARCHAR,
    p_order_id VARCHAR,
    p_amount_cents INTEGER,
    p_currency VARCHAR,
    p_status "ChargeStatus"
) RETURNS TABLE ("id" TEXT, "fingerprint" VARCHAR, "status" TEXT, "made" BOOLEAN)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO "charges" ("id", "idempotency_key", "fingerprint", "order_id", "amount_cents", "currency",
                           "status", "created_at")
    VALUES (p_id, p_idempotency_key, p_fingerprint, p_order_id, p_amount_cents, p_currency, p_status,
            now() AT TIME ZONE 'UTC')
    ON CONFLICT ("idempotency_key") DO NOTHING;
    IF FOUND THEN
        RETURN QUERY SELECT p_id::TEXT, p_fingerprint, p_status::TEXT, TRUE;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT c."id"::TEXT, c."fingerprint", c."status"::TEXT, FALSE
          FROM "charges" c
         WHERE c."idempotency_key" = p_idempotency_key;
END;
$$;
