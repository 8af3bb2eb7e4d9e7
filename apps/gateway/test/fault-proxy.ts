import { once } from 'node:events';
import { createServer, request } from 'node:http';

/**
 * - `forward`: a plain proxy.
 * - `hold`: requests wait in the proxy (not forwarded) until the mode changes; the gateway's call stays open.
 * - `drop-reply`: the request is forwarded and answered by the service, but the answer never reaches the
 *   caller (its connection is destroyed): the service did the work, the caller cannot know.
 */
export type FaultMode = 'forward' | 'hold' | 'drop-reply';

export interface FaultProxy {
  url: string;
  readonly mode: FaultMode;
  /** Requests held right now. */
  readonly held: number;
  /** Paths of the requests held right now (a gateway's health probe is held like any other request). */
  readonly heldPaths: readonly string[];
  /** Requests whose answer was dropped so far. */
  readonly dropped: number;
  /** Paths of every request received, in order. */
  readonly seen: readonly string[];
  /** Switches the mode; held requests are forwarded (late, as a slow network would deliver them). */
  setMode(mode: FaultMode): void;
  stop(): Promise<void>;
}

/** A real HTTP proxy in front of a service, for faults no in-process stub could produce honestly. */
export async function startFaultProxy(target: string, initial: FaultMode = 'forward'): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  let mode: FaultMode = initial;
  let dropped = 0;
  const seen: string[] = [];
  let waiting: Array<{ path: string; forward: () => void }> = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const dropReply = mode === 'drop-reply';
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
          if (dropReply) {
            answer.resume();
            answer.on('end', () => {
              dropped += 1;
              res.destroy();
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (mode === 'hold') waiting.push({ path: req.url ?? '', forward });
    else forward();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get mode() {
      return mode;
    },
    get held() {
      return waiting.length;
    },
    get heldPaths() {
      return waiting.map((request) => request.path);
    },
    get dropped() {
      return dropped;
    },
    seen,
    setMode: (next) => {
      mode = next;
      if (next === 'hold') return;
      const release = waiting;
      waiting = [];
      for (const request of release) request.forward();
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
