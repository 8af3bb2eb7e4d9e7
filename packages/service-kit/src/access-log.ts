import type { RequestHandler } from 'express';
import type { Logger } from './logger.ts';
import type { Metrics, RouteTemplate } from './metrics.ts';
import { requestIdOf } from './request-id.ts';

/** One log line and one histogram sample per request, labelled by route template. */
export function accessLog(logger: Logger, metrics: Metrics, routeOf: RouteTemplate): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      logger.info('request', {
        method: req.method,
        route,
        status: res.statusCode,
        duration_ms: Math.round(seconds * 1000 * 10) / 10,
        request_id: requestIdOf(req),
      });
    });
    next();
  };
}
