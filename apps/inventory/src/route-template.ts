import type { Request } from 'express';
import { inventoryRouter } from './router.ts';

const PROCEDURES = new Set(Object.keys(inventoryRouter._def.procedures));
const FIXED = new Set(['/health', '/ready', '/metrics', '/reserve', '/release']);

/** Metric labels name the route, never the raw path, so SKUs and junk paths cannot grow label cardinality. */
export function inventoryRouteOf(req: Request): string {
  const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
  if (FIXED.has(path)) return path;
  if (/^\/stock\/[^/]+$/.test(path)) return '/stock/{sku}';
  if (path.startsWith('/trpc/')) {
    // A batch call names several procedures joined by commas; only known names are kept.
    const names = path.slice('/trpc/'.length).split(',');
    return names.every((name) => PROCEDURES.has(name)) ? `/trpc/${names.join(',')}` : '/trpc/{unknown}';
  }
  return 'unmatched';
}
