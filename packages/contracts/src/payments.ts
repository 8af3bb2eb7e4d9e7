import { z } from 'zod';
import { amountCentsSchema, currencySchema, opaqueIdSchema } from './common.ts';

export const chargeInputSchema = z.strictObject({
  order_id: opaqueIdSchema,
  amount_cents: amountCentsSchema,
  currency: currencySchema,
});
export type ChargeInput = z.output<typeof chargeInputSchema>;
export const chargeOutputSchema = z.object({ charged: z.literal(true), transaction_id: z.string() });
export type ChargeOutput = z.output<typeof chargeOutputSchema>;

export const refundInputSchema = z.strictObject({ transaction_id: z.string().min(1).max(64) });
export type RefundInput = z.output<typeof refundInputSchema>;
export const refundOutputSchema = z.object({ refunded: z.boolean() });
export type RefundOutput = z.output<typeof refundOutputSchema>;

/** Header carrying the charge's idempotency key, on tRPC and REST calls alike. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
