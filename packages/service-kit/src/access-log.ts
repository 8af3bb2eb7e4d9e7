import type { RequestHandler } from 'express';
import type { Logger } from './logger.ts';
import type { Metrics, RouteTemplate } from './metrics.ts';
import { requestIdOf } from './request-id.ts';

/** One log line and one histogram sample per request, labelled by route template. */
export function accessLog(logger: Logger, metrics: Metrics, routeOf: RouteTemplate): RequestHandler {
  // The level is fixed for the process: a request line below it is skipped before it is built.
  const logRequests = logger.isInfoEnabled();
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // As the client sent it (a HEAD is answered by its GET route, which rewrites req.method).
    const { method } = req;
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      metrics.httpDuration.observe({ method, route, status: String(res.statusCode) }, seconds);
      if (!logRequests) return;
      logger.info('request', {
        method,
        route,
        status: res.statusCode,
        duration_ms: Math.round(seconds * 1000 * 10) / 10,
        request_id: requestIdOf(req),
      });
    });
    next();
  };
}
