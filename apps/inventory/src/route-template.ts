import type { Request } from 'express';
import { inventoryRouter } from './router.ts';

const PROCEDURES = new Set(Object.keys(inventoryRouter._def.procedures));
const FIXED = new Set(['/health', '/ready', '/metrics', '/reserve', '/release']);

/** Metric labels name the route, never the raw path, so SKUs and junk paths cannot grow label cardinality. */
export function inventoryRouteOf(req: Request): string {
  // originalUrl: when the response finishes inside the mounted tRPC router, `req.path` lacks the mount point.
  const path = new URL(req.originalUrl, 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  if (FIXED.has(path)) return path;
  if (/^\/stock\/[^/]+$/.test(path)) return '/stock/{sku}';
  if (path.startsWith('/trpc/')) {
    // A batch call names several procedures joined by commas; only known names are kept.
    const names = path.slice('/trpc/'.length).split(',');
    return names.every((name) => PROCEDURES.has(name)) ? `/trpc/${names.join(',')}` : '/trpc/{unknown}';
  }
  return 'unmatched';
}
