/**
 * Embedded mode runs these once at open, rolled back (db-kit's `warmUpSql`): every path of `reserve_stock` and
 * `release_reservation` (a reservation that is made, a repeat, a shortage given back, a release) on a stock row
 * that exists only inside the transaction.
 */
export const WARM_UP_SQL = `BEGIN;
INSERT INTO "stock" ("sku", "quantity", "updated_at") VALUES ('OOS-WARM-UP', 1, now());
SELECT * FROM reserve_stock('oos-warm-up-1', 'warm-up', ARRAY['OOS-WARM-UP']::varchar[], ARRAY[1]);
SELECT * FROM reserve_stock('oos-warm-up-1', 'warm-up', ARRAY['OOS-WARM-UP']::varchar[], ARRAY[1]);
SELECT * FROM reserve_stock('oos-warm-up-2', 'warm-up', ARRAY['OOS-WARM-UP']::varchar[], ARRAY[1]);
SELECT release_reservation('oos-warm-up-1');
ROLLBACK;`;
