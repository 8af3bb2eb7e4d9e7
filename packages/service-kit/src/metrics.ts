import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpDuration };
}

/**
 * An app's own metrics, made once per Registry: an app's parts (routes, upstreams, edge, worker) are built separately
 * from one Registry and must share one set of metric objects (registering a name twice on a Registry throws), while
 * every app instance, with its own Registry, keeps its own.
 */
export function metricsPerRegistry<T>(create: (registers: Registry[]) => T): (registry: Registry) => T {
  const made = new WeakMap<Registry, T>();
  return (registry) => {
    const existing = made.get(registry);
    if (existing) return existing;
    const metrics = create([registry]);
    made.set(registry, metrics);
    return metrics;
  };
}

export function metricsEndpoint(registry: Registry): RequestHandler {
  return async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  };
}

/** Route template for labels and logs: never the raw path, so ids cannot blow up label cardinality. */
export type RouteTemplate = (req: Request) => string;
