import type { Order } from '@oos/contracts';
import { uuidSchema } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-gateway';
import { orderView, withItems } from './order-view.ts';

/** undefined for an unknown id, and for anything that is not a UUID (which cannot name an order). */
export async function getOrder(db: PrismaClient, id: string): Promise<Order | undefined> {
  if (!uuidSchema.safeParse(id).success) return undefined;
  const order = await db.order.findUnique({ where: { id: id.toLowerCase() }, include: withItems });
  return order ? orderView(order) : undefined;
}
