import cors from 'cors';
import type { RequestHandler } from 'express';

/** The names express-rate-limit sends with `standardHeaders: 'draft-8'` (see rate-limit.ts). */
export const RATE_LIMIT_HEADERS = ['RateLimit', 'RateLimit-Policy'] as const;

export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Idempotency-Key', 'X-Request-ID'] as const;
export const CORS_EXPOSED_HEADERS = [
  'Idempotent-Replay',
  'X-Request-ID',
  'Retry-After',
  ...RATE_LIMIT_HEADERS,
] as const;

/** Only listed origins get `Access-Control-Allow-Origin`; others get a response a browser will not hand over. */
export function corsPolicy(allowedOrigins: readonly string[]): RequestHandler {
  return cors({
    origin: allowedOrigins.includes('*') ? '*' : [...allowedOrigins],
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: 600,
  });
}
