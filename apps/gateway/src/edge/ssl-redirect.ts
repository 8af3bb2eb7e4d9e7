import type { RequestHandler } from 'express';
import { isProbePath } from './paths.ts';

/**
 * Plain-HTTP requests go to the same URL over HTTPS. `req.secure` believes `X-Forwarded-Proto` only from a trusted
 * proxy, so a TLS-terminating proxy needs `TRUST_PROXY` or every request would loop. 308 keeps method and body.
 */
export function sslRedirect(enabled: boolean): RequestHandler | undefined {
  if (!enabled) return undefined;
  return (req, res, next) => {
    if (req.secure || isProbePath(req.path)) return next();
    const host = req.hostname;
    if (host === undefined || host === '') return next();
    res.status(308).location(`https://${host}${req.originalUrl}`).end();
  };
}
