import { getStock } from './procedures/get-stock.ts';
import { release } from './procedures/release.ts';
import { reserve } from './procedures/reserve.ts';
import { setStock } from './procedures/set-stock.ts';
import { t } from './trpc.ts';

export const inventoryRouter = t.router({ reserve, release, setStock, getStock });
export type InventoryRouter = typeof inventoryRouter;
