import { once } from 'node:events';
import { createServer, request } from 'node:http';

export interface GateProxy {
  url: string;
  /** Requests received while the gate was closed and not yet forwarded. */
  readonly held: number;
  /** Every request that reached the proxy, held or not. */
  readonly received: number;
  /** From now on, hold every request until `open()`. */
  close(): void;
  /** Forward the held requests and every later one. */
  open(): void;
  stop(): Promise<void>;
}

/**
 * A real HTTP proxy in front of a service that can hold requests: it keeps a saga inside its upstream call
 * for as long as a test needs, without guessing durations.
 */
export async function startGateProxy(target: string): Promise<GateProxy> {
  const targetUrl = new URL(target);
  let closed = false;
  let waiting: Array<() => void> = [];
  let received = 0;
  const server = createServer((req, res) => {
    received += 1;
    const forward = () => {
      const upstream = request(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (closed) waiting.push(forward);
    else forward();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
  const { port } = address;
  return {
    url: `http://127.0.0.1:${port}`,
    get held() {
      return waiting.length;
    },
    get received() {
      return received;
    },
    close: () => {
      closed = true;
    },
    open: () => {
      closed = false;
      const release = waiting;
      waiting = [];
      for (const forward of release) forward();
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
