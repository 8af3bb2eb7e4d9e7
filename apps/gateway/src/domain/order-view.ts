import { FAILURE_REASONS, type FailureReason, type Order, orderSchema } from '@oos/contracts';
import type { Prisma } from '@oos/db-gateway';
import { z } from 'zod';

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

/** A JSON column as the driver adapter hands it over (text), parsed and then validated by `schema`. */
export function jsonText<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, context): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        context.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A row of the `order_views` function, turned into the public view (key order as the output schema has it). */
export const orderViewRowSchema = z
  .object({
    id: z.string(),
    status: orderSchema.shape.status,
    amount_cents: z.number().int(),
    currency: z.string(),
    transaction_id: z.string().nullable(),
    failure_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
  })
  .transform(
    (row): Order => ({
      id: row.id,
      status: row.status,
      items: row.items,
      amount_cents: row.amount_cents,
      currency: row.currency,
      transaction_id: row.transaction_id ?? undefined,
      failure_reason: row.status === 'FAILED' ? failureReasonOf(row.failure_reason) : undefined,
      created_at: row.created_at,
      updated_at: row.updated_at,
    }),
  );
