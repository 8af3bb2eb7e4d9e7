import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendError } from './problem.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time check of `Authorization: Bearer <token>`; hashing first makes the lengths equal. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  return timingSafeEqual(digest(presented), digest(token));
}

export function requireInternalToken(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!token || tokenMatches(req.headers.authorization, token)) return next();
    sendError(res, 'UNAUTHORIZED', {}, { 'WWW-Authenticate': 'Bearer' });
  };
}
