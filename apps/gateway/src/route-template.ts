import type { Request } from 'express';

const FIXED = new Set([
  '/health',
  '/ready',
  '/metrics',
  '/openapi.json',
  '/docs',
  '/api/orders',
  '/api/events',
  '/api/webhook-deliveries',
]);

/** Metric labels name the route, never the raw path, so order ids and junk paths cannot grow label cardinality. */
export function gatewayRouteOf(req: Request): string {
  const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
  if (FIXED.has(path)) return path;
  if (/^\/api\/orders\/[^/]+$/.test(path)) return '/api/orders/{id}';
  if (/^\/api\/orders\/[^/]+\/cancel$/.test(path)) return '/api/orders/{id}/cancel';
  if (/^\/api\/orders\/[^/]+\/events$/.test(path)) return '/api/orders/{id}/events';
  if (/^\/api\/webhook-deliveries\/[^/]+\/retry$/.test(path)) return '/api/webhook-deliveries/{id}/retry';
  if (path.startsWith('/docs/')) return '/docs/{asset}';
  return 'unmatched';
}
