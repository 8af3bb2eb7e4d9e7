import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createOrderInputSchema, listOrdersInputSchema } from './orders.ts';

/** The issues of a failed parse as "path: message" lines, or undefined when the value is valid. */
function validationMessageOf(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(', ')}` : '';
      return `${issue.path.join('.')}: ${issue.message}${keys}`;
    })
    .join('\n');
}

const valid = { items: [{ sku: 'sku-1', quantity: 2 }], amount_cents: 1500, currency: 'eur' };

describe('createOrderInputSchema', () => {
  it('upper-cases SKUs and currency and keeps the lines in request order', () => {
    const parsed = createOrderInputSchema.parse({
      ...valid,
      items: [
        { sku: 'b_2', quantity: 1 },
        { sku: 'a-1', quantity: 3 },
      ],
    });
    expect(parsed.items).toEqual([
      { sku: 'B_2', quantity: 1 },
      { sku: 'A-1', quantity: 3 },
    ]);
    expect(parsed.currency).toBe('EUR');
  });

  it.each([
    ['no lines', { ...valid, items: [] }, 'items'],
    [
      '101 lines',
      { ...valid, items: Array.from({ length: 101 }, (_, i) => ({ sku: `SKU${i}`, quantity: 1 })) },
      'items',
    ],
    [
      'a SKU twice (case-insensitively)',
      {
        ...valid,
        items: [
          { sku: 'abc', quantity: 1 },
          { sku: 'ABC', quantity: 1 },
        ],
      },
      'items.1.sku',
    ],
    ['a bad SKU', { ...valid, items: [{ sku: 'a b', quantity: 1 }] }, 'items.0.sku'],
    ['a short SKU', { ...valid, items: [{ sku: 'ab', quantity: 1 }] }, 'items.0.sku'],
    ['quantity 0', { ...valid, items: [{ sku: 'SKU1', quantity: 0 }] }, 'items.0.quantity'],
    ['quantity 1001', { ...valid, items: [{ sku: 'SKU1', quantity: 1001 }] }, 'items.0.quantity'],
    ['a fractional quantity', { ...valid, items: [{ sku: 'SKU1', quantity: 1.5 }] }, 'items.0.quantity'],
    ['a string quantity', { ...valid, items: [{ sku: 'SKU1', quantity: '2' }] }, 'items.0.quantity'],
    ['amount 0', { ...valid, amount_cents: 0 }, 'amount_cents'],
    ['amount above 100000000', { ...valid, amount_cents: 100_000_001 }, 'amount_cents'],
    ['an unknown currency', { ...valid, currency: 'JPY' }, 'currency'],
    ['an unknown field', { ...valid, coupon: 'x' }, 'coupon'],
    ['an unknown line field', { ...valid, items: [{ sku: 'SKU1', quantity: 1, price: 3 }] }, 'price'],
  ])('refuses %s, naming %s', (_case, body, field) => {
    const message = validationMessageOf(createOrderInputSchema, body);
    expect(message).toContain(field);
  });

  it('accepts the bounds', () => {
    expect(createOrderInputSchema.safeParse({ ...valid, amount_cents: 100_000_000 }).success).toBe(true);
    expect(
      createOrderInputSchema.safeParse({ ...valid, items: [{ sku: 'ABC', quantity: 1000 }] }).success,
    ).toBe(true);
  });
});

describe('listOrdersInputSchema', () => {
  it('defaults to page 1 of 20', () => {
    expect(listOrdersInputSchema.parse({})).toEqual({ page: 1, page_size: 20 });
  });

  it.each([
    [{ page: '0' }, 'page'],
    [{ page: 'x' }, 'page'],
    [{ page_size: '101' }, 'page_size'],
    [{ page_size: '0' }, 'page_size'],
    [{ page_size: '2.5' }, 'page_size'],
  ])('refuses %j', (query, field) => {
    expect(validationMessageOf(listOrdersInputSchema, query)).toContain(field);
  });
});
