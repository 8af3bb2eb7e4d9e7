import { setStockInputSchema, stockOutputSchema } from '@oos/contracts';
import { setStockLevel } from '../domain/stock-levels.ts';
import { procedure } from '../trpc.ts';

export const setStock = procedure
  .meta({
    openapi: {
      method: 'PUT',
      path: '/stock/{sku}',
      tags: ['inventory'],
      summary: 'Set the available units of a SKU',
    },
  })
  .input(setStockInputSchema)
  .output(stockOutputSchema)
  .mutation(async ({ ctx, input }) => {
    const stock = await setStockLevel(ctx.db, input);
    ctx.metrics.stockSet.inc();
    return stock;
  });
