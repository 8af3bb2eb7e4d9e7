import type { Order } from '@oos/contracts';
import { uuidFromPath } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-gateway';
import { z } from 'zod';
import { orderViewRowSchema } from './order-view.ts';

const rowsSchema = z.array(orderViewRowSchema);

/** undefined for an unknown id, and for anything that is not a UUID (which cannot name an order). One statement (`order_views`, migration 20261201100000). */
export async function getOrder(db: PrismaClient, id: string): Promise<Order | undefined> {
  const orderId = uuidFromPath(id);
  if (orderId === undefined) return undefined;
  const [order] = rowsSchema.parse(
    await db.$queryRaw`SELECT * FROM order_views(CAST(${orderId} AS uuid), 1, 0)`,
  );
  return order;
}
