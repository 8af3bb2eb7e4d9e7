import type { ListOrdersInput, OrderPage } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-gateway';
import { orderView, withItems } from './order-view.ts';

/** Every order of every status, newest first (created_at, then id); a page past the end is empty. */
export async function listOrders(db: PrismaClient, { page, page_size }: ListOrdersInput): Promise<OrderPage> {
  const count = await db.order.count();
  const skip = (page - 1) * page_size;
  if (skip >= count) return { count, page, page_size, results: [] };
  const orders = await db.order.findMany({
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip,
    take: page_size,
    include: withItems,
  });
  return { count, page, page_size, results: orders.map(orderView) };
}
