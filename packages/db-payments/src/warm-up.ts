/**
 * Embedded mode runs these once at open, rolled back (db-kit's `warmUpSql`): `authorize_charge` making a charge and
 * finding it again under the same key, and the refund's update, so nothing of it is left.
 */
export const WARM_UP_SQL = `BEGIN;
SELECT * FROM authorize_charge(gen_random_uuid(), 'oos-warm-up', 'warm-up', 'oos-warm-up', 1, 'EUR', 'AUTHORIZED');
SELECT * FROM authorize_charge(gen_random_uuid(), 'oos-warm-up', 'warm-up', 'oos-warm-up', 1, 'EUR', 'AUTHORIZED');
UPDATE "charges" SET "status" = 'REFUNDED', "refunded_at" = now() WHERE "idempotency_key" = 'oos-warm-up';
ROLLBACK;`;
