import type { PrismaClient } from '@oos/db-inventory';
import { setStockLevel } from './stock-levels.ts';

export const DEMO_STOCK = [{ sku: 'SKU1', quantity: 50 }] as const;

/**
 * The embedded mode's first start holds demo stock so the README's curl examples work. Only an empty stock table
 * is seeded: a restart must not undo what was reserved or set since.
 */
export async function seedDemoStockIfEmpty(db: PrismaClient): Promise<boolean> {
  if ((await db.stock.count()) > 0) return false;
  for (const line of DEMO_STOCK) await setStockLevel(db, line);
  return true;
}
