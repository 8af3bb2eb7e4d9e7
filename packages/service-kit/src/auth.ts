import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendError } from './problem.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function requireInternalToken(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  // The configured token's digest is the same for every request: computed once.
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    // Constant time: hashing first makes the lengths equal.
    if (timingSafeEqual(digest(presented), expected)) return next();
    sendError(res, 'UNAUTHORIZED', {}, { 'WWW-Authenticate': 'Bearer' });
  };
}
