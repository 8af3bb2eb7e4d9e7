import type { ListOrdersInput, OrderPage } from '@oos/contracts';
import { Prisma, type Statements } from '@oos/db-gateway';
import { z } from 'zod';
import { jsonText, orderViewRowSchema } from './order-view.ts';

const pageSchema = z.tuple([
  // The count is a bigint (text from the driver), the page one JSON value.
  z.object({ count: z.coerce.number().int(), results: jsonText(z.array(orderViewRowSchema)) }),
]);

/**
 * Every order of every status, newest first (created_at, then id); a page past the end is empty. One statement
 * (migration 20261201100000): the exact count is the sum of the trigger-kept `order_counts` slots (constant time,
 * however many orders), the page comes from the (created_at, id) index.
 */
export async function listOrders(
  statements: Statements,
  { page, page_size }: ListOrdersInput,
): Promise<OrderPage> {
  const skip = (page - 1) * page_size;
  const [row] = pageSchema.parse(
    await statements.rows(Prisma.sql`
      SELECT order_count() AS "count",
             COALESCE((SELECT json_agg(p ORDER BY p."ordinality")
                         FROM order_views(NULL, ${page_size}, ${skip}) WITH ORDINALITY AS p), '[]'::json) AS "results"`),
  );
  return { count: row.count, page, page_size, results: row.results };
}
