import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

const ids = new WeakMap<Request, string>();

/** The caller's id when it is safe to echo and log, a fresh UUID otherwise. */
export function saneRequestId(candidate: string | string[] | undefined): string {
  return typeof candidate === 'string' && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

export function requestIdOf(req: Request): string {
  const known = ids.get(req);
  if (known) return known;
  const id = saneRequestId(req.headers[REQUEST_ID_HEADER]);
  ids.set(req, id);
  return id;
}

export function requestId(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Request-ID', requestIdOf(req));
    next();
  };
}
