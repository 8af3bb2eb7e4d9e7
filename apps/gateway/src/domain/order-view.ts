import { FAILURE_REASONS, type FailureReason, type Order, orderSchema } from '@oos/contracts';
import type { Prisma } from '@oos/db-gateway';

export type OrderWithItems = Prisma.OrderGetPayload<{ include: { items: true } }>;

export const withItems = { items: { orderBy: { position: 'asc' } } } satisfies Prisma.OrderInclude;

function failureReasonOf(value: string | null): FailureReason | undefined {
  return FAILURE_REASONS.find((reason) => reason === value);
}

/**
 * The public shape of an order. Parsed through the same schema the procedures declare as output, so the
 * object (and its key order, hence its JSON text) is exactly what the REST adapter sends.
 */
export function orderView(order: OrderWithItems): Order {
  return orderSchema.parse({
    id: order.id,
    status: order.status,
    items: order.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
    amount_cents: order.amountCents,
    currency: order.currency,
    transaction_id: order.transactionId ?? undefined,
    // A PENDING order may already know it is failing (compensation still to run); only FAILED says why.
    failure_reason: order.status === 'FAILED' ? failureReasonOf(order.failureReason) : undefined,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  });
}
