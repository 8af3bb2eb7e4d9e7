import type { Request } from 'express';
import { paymentsRouter } from './router.ts';

const PROCEDURES = new Set(Object.keys(paymentsRouter._def.procedures));
const REST_ROUTES = new Set(['/charge', '/refund', '/health', '/ready', '/metrics']);

/** Metric and log label for a request: a known route or procedure, never the raw path. */
export function paymentsRouteOf(req: Request): string {
  const path = new URL(req.originalUrl, 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  if (REST_ROUTES.has(path)) return path;
  if (path.startsWith('/trpc/')) {
    const names = path.slice('/trpc/'.length).split(',');
    return names.every((name) => PROCEDURES.has(name)) ? path : '/trpc/{unknown}';
  }
  return 'unmatched';
}
