import type { Express } from 'express';
import { listen } from './server.ts';

export interface WarmUpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Sends each request once to `app` on a private port of 127.0.0.1 (closed afterwards), before the app listens where
 * its clients reach it: the first real request then finds its code compiled and its first-use costs paid (the
 * embedded mode's first order). Requests must be free of effects (reads, or refusals); their answers are ignored.
 */
export async function warmUp(app: Express, requests: readonly WarmUpRequest[]): Promise<void> {
  if (requests.length === 0) return;
  const running = await listen(app, 0, '127.0.0.1');
  try {
    for (const request of requests) {
      try {
        const response = await fetch(`${running.url}${request.path}`, {
          method: request.method,
          // So the app's own log lines say what these requests were.
          headers: { 'x-request-id': 'warm-up', ...request.headers },
          body: request.body,
          signal: AbortSignal.timeout(5_000),
        });
        await response.arrayBuffer();
      } catch {
        // A warm-up that fails (an upstream not up yet) warmed what it reached: nothing to report.
      }
    }
  } finally {
    await running.close(0);
  }
}
