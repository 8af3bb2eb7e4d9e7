import { createHash } from 'node:crypto';
import type { LineItem } from '@oos/contracts';

/** Order of lines does not matter: the same lines in another order are the same reservation. */
export function sortedBySku<T extends { sku: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** sha256 of the canonical JSON of the lines: tells a repeat from a reuse of the id with other items. */
export function reservationFingerprint(items: readonly LineItem[]): string {
  const canonical = JSON.stringify(sortedBySku(items).map(({ sku, quantity }) => ({ sku, quantity })));
  return createHash('sha256').update(canonical).digest('hex');
}
