import pg from 'pg';
import { z } from 'zod';

/** What the three databases record about a set of orders, read with plain SQL (no app code involved). */

async function query<T>(url: string, schema: z.ZodType<T>, sql: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql, params);
    return z.array(schema).parse(result.rows);
  } finally {
    await client.end();
  }
}

const keyRow = z.object({ key: z.string(), order_id: z.string().nullable() });

/** Idempotency key → the order it is bound to, for the create route. */
export async function ordersByKey(gatewayDb: string, keys: string[]): Promise<Map<string, string | null>> {
  const rows = await query(
    gatewayDb,
    keyRow,
    "SELECT key, order_id::text AS order_id FROM idempotency_keys WHERE scope = 'create' AND key = ANY($1)",
    [keys],
  );
  return new Map(rows.map((row) => [row.key, row.order_id]));
}

const orderRow = z.object({
  id: z.string(),
  status: z.string(),
  attempts: z.number(),
  transaction_id: z.string().nullable(),
});
export type OrderRow = z.output<typeof orderRow>;

/** Every order holding a line of `sku`, with its status and how many times a runner took its lease. */
export function ordersOfSku(gatewayDb: string, sku: string): Promise<OrderRow[]> {
  return query(
    gatewayDb,
    orderRow,
    `SELECT o.id::text AS id, o.status::text AS status, o.attempts, o.transaction_id
       FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.sku = $1)`,
    [sku],
  );
}

const chargeRow = z.object({ order_id: z.string(), id: z.string(), status: z.string() });
export type ChargeRow = z.output<typeof chargeRow>;

export function chargesOf(paymentsDb: string, orderIds: string[]): Promise<ChargeRow[]> {
  return query(
    paymentsDb,
    chargeRow,
    'SELECT order_id, id::text AS id, status::text AS status FROM charges WHERE order_id = ANY($1)',
    [orderIds],
  );
}

const stockRow = z.object({ available: z.number(), reserved: z.number() });

/** Units of `sku` available, and held by reservations not released. */
export async function stockOf(inventoryDb: string, sku: string): Promise<z.output<typeof stockRow>> {
  const [row] = await query(
    inventoryDb,
    stockRow,
    `SELECT COALESCE((SELECT quantity FROM stock WHERE sku = $1), 0)::int AS available,
            COALESCE((SELECT sum(l.quantity) FROM reservation_lines l
                        JOIN reservations r ON r.id = l.reservation_id
                       WHERE l.sku = $1 AND r.status = 'RESERVED'), 0)::int AS reserved`,
    [sku],
  );
  if (row === undefined) throw new Error(`no stock row for ${sku}`);
  return row;
}
