import type { GetStockInput, SetStockInput, StockOutput } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-inventory';

/** Sets the available units; one statement, so concurrent first writes of a new SKU cannot collide. */
export async function setStockLevel(db: PrismaClient, input: SetStockInput): Promise<StockOutput> {
  await db.$executeRaw`
    INSERT INTO "stock" ("sku", "quantity", "updated_at")
    VALUES (${input.sku}, ${input.quantity}, (now() AT TIME ZONE 'UTC'))
    ON CONFLICT ("sku") DO UPDATE SET "quantity" = EXCLUDED."quantity", "updated_at" = EXCLUDED."updated_at"`;
  return { sku: input.sku, quantity: input.quantity };
}

/** An unknown SKU has no stock, which is not an error. */
export async function getStockLevel(db: PrismaClient, input: GetStockInput): Promise<StockOutput> {
  const row = await db.stock.findUnique({ where: { sku: input.sku }, select: { quantity: true } });
  return { sku: input.sku, quantity: row?.quantity ?? 0 };
}
