import type { httpLink } from '@trpc/client';
import { Agent, request } from 'undici';

/** The `fetch` tRPC's httpLink accepts. */
export type LinkFetch = NonNullable<Parameters<typeof httpLink>[0]['fetch']>;
type LinkFetchInit = NonNullable<Parameters<LinkFetch>[1]>;

export interface HttpFetch {
  fetch: LinkFetch;
  /**
   * Opens a pooled connection to each origin ahead of the first call, with a GET of `path` whose answer is read
   * and dropped; never rejects (an origin that is not up yet is simply connected to later).
   */
  preconnect(origins: readonly string[], path: string): Promise<void>;
  /** Closes the pooled connections: pending requests get `graceMs` to finish, then are cut. */
  close(graceMs?: number): Promise<void>;
}

export interface HttpFetchOptions {
  /** Most open connections per upstream origin (each carries one request at a time). */
  connections?: number;
}

function headersOf(headers: LinkFetchInit['headers']): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(headers);
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) record[name] = String(value);
  return record;
}

/**
 * The transport of the internal tRPC calls: undici's own `request` on a keep-alive connection pool, in the shape
 * of the `fetch` httpLink expects. Node's built-in fetch is the same HTTP client under the WHATWG Request and
 * Response objects, which cost several times the request itself at the gateway's call rates (docs/BENCHMARKS.md).
 * The response keeps `status`, which the resilience policy classifies failures by.
 */
export function createHttpFetch(options: HttpFetchOptions = {}): HttpFetch {
  const agent = new Agent({ connections: options.connections ?? 128 });
  const fetch: LinkFetch = async (input, init = {}) => {
    if (typeof input !== 'string' && !(input instanceof URL)) {
      throw new TypeError('the internal transport sends to URLs only, not Request objects');
    }
    const { body } = init;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError('the internal transport sends JSON text bodies only');
    }
    const response = await request(input, {
      dispatcher: agent,
      method: init.method ?? 'GET',
      headers: headersOf(init.headers),
      body: body ?? undefined,
      signal: init.signal ?? undefined,
    });
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      json: () => response.body.json(),
    };
  };
  return {
    fetch,
    async preconnect(origins, path) {
      await Promise.allSettled(
        origins.map(async (origin) => {
          const response = await request(new URL(path, origin), {
            dispatcher: agent,
            signal: AbortSignal.timeout(1_000),
          });
          await response.body.dump();
        }),
      );
    },
    async close(graceMs = 1_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), graceMs);
      });
      const closed = agent.close().then(() => 'closed' as const);
      const outcome = await Promise.race([closed, late]);
      clearTimeout(timer);
      if (outcome === 'late') await agent.destroy();
    },
  };
}
