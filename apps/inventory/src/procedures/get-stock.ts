import { getStockInputSchema, stockOutputSchema } from '@oos/contracts';
import { getStockLevel } from '../domain/stock-levels.ts';
import { procedure } from '../trpc.ts';

export const getStock = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/stock/{sku}',
      tags: ['inventory'],
      summary: 'Available units of a SKU (0 when unknown)',
    },
  })
  .input(getStockInputSchema)
  .output(stockOutputSchema)
  .query(({ ctx, input }) => getStockLevel(ctx.db, input));
