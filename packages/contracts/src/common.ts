import { z } from 'zod';

/** Upper-cases first so that `sku1` and `SKU1` name the same stock, then enforces the public pattern. */
export const skuSchema = z
  .string()
  .trim()
  .transform((value) => value.toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9_-]{3,32}$/, 'must be 3-32 characters of A-Z, 0-9, _ or -'));

export const quantitySchema = z
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(1000, 'must be at most 1000');

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
export const currencySchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(CURRENCIES, { error: `must be one of ${CURRENCIES.join(', ')}` }));
export type Currency = (typeof CURRENCIES)[number];

export const amountCentsSchema = z
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(100_000_000, 'must be at most 100000000');

export const lineItemSchema = z.strictObject({ sku: skuSchema, quantity: quantitySchema });
export type LineItem = z.output<typeof lineItemSchema>;

/** 1-100 lines, each SKU at most once (checked after upper-casing, so `sku1` and `SKU1` collide). */
export const lineItemsSchema = z
  .array(lineItemSchema)
  .min(1, 'must contain at least 1 line')
  .max(100, 'must contain at most 100 lines')
  .superRefine((items, ctx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.sku)) {
        ctx.addIssue({
          code: 'custom',
          message: `SKU ${item.sku} appears more than once`,
          path: [index, 'sku'],
        });
      }
      seen.add(item.sku);
    });
  });

export const uuidSchema = z.uuid();

/**
 * An id as a path gives it: the UUID in lower case (how ids are stored), or undefined for anything that is not one,
 * which names nothing (answered 404 like an unknown id, not 400).
 */
export function uuidFromPath(text: string): string | undefined {
  return uuidSchema.safeParse(text).success ? text.toLowerCase() : undefined;
}

/** Ids and keys exchanged between services: printable, bounded, safe in logs. */
export const opaqueIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9:._-]+$/, 'must contain only A-Z, a-z, 0-9, :, ., _ or -');

/** `Idempotency-Key`: 1-255 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[\x21-\x7E]+$/, 'must contain only visible ASCII characters');

export const healthSchema = z.object({ ok: z.literal(true) });

export const componentStateSchema = z.string();
export const readySchema = z.object({
  ok: z.boolean(),
  components: z.record(z.string(), componentStateSchema),
});
export type Ready = z.output<typeof readySchema>;
