import type { AnyRouter } from '@trpc/server';
import type { RequestHandler, Response } from 'express';
import { forEachOpenApiProcedure, getPathRegExp, normalizePath } from 'trpc-to-openapi';
import { beforeEnd } from './end-hook.ts';
import { sendError } from './problem.ts';

interface RestRoute {
  method: string;
  pattern: RegExp;
}

/** The REST routes a router publishes through trpc-to-openapi, matched the way its adapter matches them. */
function restRoutesOf(router: AnyRouter): RestRoute[] {
  const routes: RestRoute[] = [];
  forEachOpenApiProcedure(router._def.procedures, ({ meta: { openapi } }) => {
    routes.push({ method: openapi.method, pattern: getPathRegExp(normalizePath(openapi.path)) });
  });
  return routes;
}

/**
 * HTTP method semantics for the REST routes of a router, in front of trpc-to-openapi (which answers any method a
 * path lacks with 404): a known path asked with a method it does not have is 405 with an `Allow` header, OPTIONS
 * lists the methods (204), and HEAD of a GET route answers what GET would, without the body (Node sends no body
 * for a HEAD request whatever the handler writes). Unknown paths are left alone (404 further down).
 */
export function allowedMethods(router: AnyRouter): RequestHandler {
  const routes = restRoutesOf(router);
  return (req, res, next) => {
    const path = normalizePath(req.path);
    const methods = new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method));
    if (methods.size === 0 || methods.has(req.method)) return next();
    if (req.method === 'HEAD' && methods.has('GET')) {
      req.method = 'GET';
      keepContentLength(res);
      return next();
    }
    if (methods.has('GET')) methods.add('HEAD');
    res.setHeader('Allow', [...methods, 'OPTIONS'].sort().join(', '));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    sendError(res, 'METHOD_NOT_ALLOWED');
  };
}

/** Node drops the body of a HEAD answer and, with it, the Content-Length the GET answer would have had. */
function keepContentLength(res: Response): void {
  beforeEnd(res, (chunk) => {
    if (typeof chunk === 'string') res.setHeader('Content-Length', Buffer.byteLength(chunk));
    else if (chunk instanceof Uint8Array) res.setHeader('Content-Length', chunk.byteLength);
    return undefined;
  });
}
