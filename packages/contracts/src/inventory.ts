import { z } from 'zod';
import { lineItemsSchema, opaqueIdSchema, skuSchema } from './common.ts';

export const reserveInputSchema = z.strictObject({
  reservation_id: opaqueIdSchema,
  items: lineItemsSchema,
});
export type ReserveInput = z.output<typeof reserveInputSchema>;
export const reserveOutputSchema = z.object({ reserved: z.literal(true) });
export type ReserveOutput = z.output<typeof reserveOutputSchema>;

export const releaseInputSchema = z.strictObject({ reservation_id: opaqueIdSchema });
export type ReleaseInput = z.output<typeof releaseInputSchema>;
export const releaseOutputSchema = z.object({ released: z.boolean() });
export type ReleaseOutput = z.output<typeof releaseOutputSchema>;

export const stockQuantitySchema = z
  .number()
  .int('must be an integer')
  .min(0, 'must be at least 0')
  .max(2_147_483_647, 'must be at most 2147483647');

export const setStockInputSchema = z.strictObject({ sku: skuSchema, quantity: stockQuantitySchema });
export type SetStockInput = z.output<typeof setStockInputSchema>;
export const getStockInputSchema = z.strictObject({ sku: skuSchema });
export type GetStockInput = z.output<typeof getStockInputSchema>;
export const stockOutputSchema = z.object({ sku: z.string(), quantity: z.number().int() });
export type StockOutput = z.output<typeof stockOutputSchema>;
