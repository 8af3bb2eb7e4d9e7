/**
 * Embedded mode runs these once at open, rolled back (db-kit's `warmUpSql`): an order created under a key, a
 * replay of that key, the final write with its stored answer, a detail, a page and the count, so nothing of it
 * is left (the order count trigger included).
 */
export const WARM_UP_SQL = `BEGIN;
SELECT * FROM create_order('00000000-0000-4000-8000-000000000000', 1, 'EUR', 'oos-warm-up',
  ARRAY['OOS-WARM-UP']::varchar[], ARRAY[1], now(), now() + interval '1 minute',
  'create', 'oos-warm-up', 'warm-up', now() + interval '1 day');
SELECT * FROM create_order('00000000-0000-4000-8000-000000000001', 1, 'EUR', 'oos-warm-up',
  ARRAY['OOS-WARM-UP']::varchar[], ARRAY[1], now(), now() + interval '1 minute',
  'create', 'oos-warm-up', 'warm-up', now() + interval '1 day');
SELECT finish_order('00000000-0000-4000-8000-000000000000',
  (SELECT "locked_until" AT TIME ZONE 'UTC' FROM "orders" WHERE "id" = '00000000-0000-4000-8000-000000000000'),
  'CONFIRMED', NULL, 'oos-warm-up', TRUE, TRUE, FALSE, FALSE, now(), 'create', 'oos-warm-up', 201, '{}');
SELECT * FROM order_views('00000000-0000-4000-8000-000000000000', 1, 0);
SELECT * FROM order_views(NULL, 20, 0);
SELECT order_count();
ROLLBACK;`;
