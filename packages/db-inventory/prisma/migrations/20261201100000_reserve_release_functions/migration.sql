-- Added by hand: Prisma's schema language has no functions and its differ ignores them.
--
-- A reservation is one statement (one round trip, one commit) instead of an interactive transaction of one
-- statement per line. Both functions touch stock rows one line at a time in SKU order, so two multi-line
-- reservations (or a reservation and a release) always lock rows in the same order and cannot deadlock.
--
-- reserve_stock: all lines or none. The reservation row is claimed first with ON CONFLICT DO NOTHING, so a
-- concurrent call with the same id waits for the first one to finish and then sees its outcome (each statement
-- in a PL/pgSQL function takes a new snapshot, so the committed row is visible here). Outcomes
--   reserved   the lines are held
--   repeat     the id was reserved before with the same lines (held or already released): nothing changes
--   conflict   the id was reserved before with other lines
--   short      a line lacks stock (short_skus lists them): every decrement is undone and the reservation row
--              removed before the commit, so a shortage is never recorded and a retry is evaluated afresh
-- An unknown SKU matches no stock row, so it reads as no stock.
CREATE FUNCTION "reserve_stock"(
    p_id VARCHAR,
    p_fingerprint VARCHAR,
    p_skus VARCHAR[],
    p_quantities INTEGER[]
) RETURNS TABLE ("outcome" TEXT, "short_skus" TEXT[])
LANGUAGE plpgsql AS $$
DECLARE
    existing_fingerprint VARCHAR;
    line RECORD;
    taken TEXT[] := '{}';
    short TEXT[] := '{}';
BEGIN
    INSERT INTO "reservations" ("id", "fingerprint", "status", "created_at")
    VALUES (p_id, p_fingerprint, 'RESERVED', now() AT TIME ZONE 'UTC')
    ON CONFLICT ("id") DO NOTHING;
    IF NOT FOUND THEN
        SELECT r."fingerprint" INTO existing_fingerprint FROM "reservations" r WHERE r."id" = p_id;
        RETURN QUERY SELECT
            CASE WHEN existing_fingerprint = p_fingerprint THEN 'repeat' ELSE 'conflict' END,
            '{}'::TEXT[];
        RETURN;
    END IF;

    FOR line IN
        SELECT l."sku", l."quantity" FROM unnest(p_skus, p_quantities) AS l("sku", "quantity") ORDER BY l."sku"
    LOOP
        UPDATE "stock"
           SET "quantity" = "quantity" - line."quantity", "updated_at" = now() AT TIME ZONE 'UTC'
         WHERE "sku" = line."sku" AND "quantity" >= line."quantity";
        IF FOUND THEN
            taken := taken || line."sku"::TEXT;
        ELSE
            short := short || line."sku"::TEXT;
        END IF;
    END LOOP;

    IF cardinality(short) > 0 THEN
        -- These rows are already locked by this statement, so giving their units back cannot deadlock.
        UPDATE "stock" s
           SET "quantity" = s."quantity" + l."quantity"
          FROM unnest(p_skus, p_quantities) AS l("sku", "quantity")
         WHERE s."sku" = l."sku" AND l."sku" = ANY (taken);
        DELETE FROM "reservations" WHERE "id" = p_id;
        RETURN QUERY SELECT 'short'::TEXT, short;
        RETURN;
    END IF;

    INSERT INTO "reservation_lines" ("reservation_id", "position", "sku", "quantity")
    SELECT p_id, (l."ordinality" - 1)::INTEGER, l."sku", l."quantity"
      FROM unnest(p_skus, p_quantities) WITH ORDINALITY AS l("sku", "quantity", "ordinality");
    RETURN QUERY SELECT 'reserved'::TEXT, '{}'::TEXT[];
END;
$$;

-- release_reservation: gives a reservation's units back exactly once. The RESERVED to RELEASED flip is one
-- conditional UPDATE, and only the call whose flip changed the row returns the stock. Concurrent releases of
-- the same reservation queue on the row lock, and the later ones see RELEASED and change nothing. Returns
-- whether this call released it (false for an unknown or already released reservation).
CREATE FUNCTION "release_reservation"(p_id VARCHAR) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
    line RECORD;
BEGIN
    UPDATE "reservations"
       SET "status" = 'RELEASED', "released_at" = now() AT TIME ZONE 'UTC'
     WHERE "id" = p_id AND "status" = 'RESERVED';
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    FOR line IN
        SELECT rl."sku", rl."quantity" FROM "reservation_lines" rl WHERE rl."reservation_id" = p_id ORDER BY rl."sku"
    LOOP
        UPDATE "stock"
           SET "quantity" = "quantity" + line."quantity", "updated_at" = now() AT TIME ZONE 'UTC'
         WHERE "sku" = line."sku";
    END LOOP;
    RETURN TRUE;
END;
$$;
