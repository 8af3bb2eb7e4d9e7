import { z } from 'zod';
import { amountCentsSchema, currencySchema, lineItemsSchema } from './common.ts';
import { FAILURE_REASONS } from './errors.ts';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Body of `POST /api/orders/`. Unknown fields are refused rather than silently dropped. */
export const createOrderInputSchema = z.strictObject({
  items: lineItemsSchema,
  amount_cents: amountCentsSchema,
  currency: currencySchema,
});
export type CreateOrderInput = z.output<typeof createOrderInputSchema>;

export const orderSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(ORDER_STATUSES),
    items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
    amount_cents: z.number().int(),
    currency: z.string(),
    transaction_id: z.string().optional(),
    failure_reason: z.enum(FAILURE_REASONS).optional(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Order' });
export type Order = z.output<typeof orderSchema>;

export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

export const listOrdersInputSchema = z.strictObject({
  page: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').default(1),
  page_size: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(PAGE_SIZE_MAX, `must be at most ${PAGE_SIZE_MAX}`)
    .default(PAGE_SIZE_DEFAULT),
});
export type ListOrdersInput = z.output<typeof listOrdersInputSchema>;

export const orderPageSchema = z
  .object({
    count: z.number().int(),
    page: z.number().int(),
    page_size: z.number().int(),
    results: z.array(orderSchema),
  })
  .meta({ id: 'OrderPage' });
export type OrderPage = z.output<typeof orderPageSchema>;
