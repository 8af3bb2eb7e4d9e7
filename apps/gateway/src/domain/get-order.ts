import type { Order } from '@oos/contracts';
import { uuidFromPath } from '@oos/contracts';
import { Prisma, type Statements } from '@oos/db-gateway';
import { z } from 'zod';
import { jsonText, orderViewRowSchema } from './order-view.ts';

// The row as one JSON value, as the list's page has them: its items are a JSON column, which the driver hands over
// as text.
const rowsSchema = z.array(z.object({ order: jsonText(orderViewRowSchema) }));

/** undefined for an unknown id, and for anything that is not a UUID (which cannot name an order). One statement (`order_views`, migration 20261201100000). */
export async function getOrder(statements: Statements, id: string): Promise<Order | undefined> {
  const orderId = uuidFromPath(id);
  if (orderId === undefined) return undefined;
  const [row] = rowsSchema.parse(
    await statements.rows(
      Prisma.sql`SELECT row_to_json(v) AS "order" FROM order_views(CAST(${orderId} AS uuid), 1, 0) AS v`,
    ),
  );
  return row?.order;
}
