import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface GateProxy {
  /** `http://127.0.0.1:<port>`: give it to the caller instead of the service's own URL. */
  url: string;
  /** Connections whose bytes arrived while the gate was closed and are not forwarded yet (one request each). */
  readonly held: number;
  /** From now on, keep every byte the callers send instead of forwarding it. */
  close(): void;
  /** Forward what was kept, even for callers that have gone away meanwhile, and everything after it. */
  open(): void;
  stop(): Promise<void>;
}

interface Pipe {
  client: Socket;
  upstream: Socket;
  pending: Buffer[];
  clientGone: boolean;
}

/**
 * A TCP proxy in front of a service that can hold what callers send: it keeps a saga inside its call to the
 * service for as long as a test needs, without guessing durations. Held bytes are delivered when the gate opens,
 * also when their sender was killed meanwhile: the service then acts on a request whose answer nobody reads,
 * as it would after a crash between sending and hearing back.
 */
export async function startGateProxy(targetPort: number): Promise<GateProxy> {
  let closed = false;
  const pipes = new Set<Pipe>();

  const flush = (pipe: Pipe) => {
    for (const chunk of pipe.pending.splice(0)) pipe.upstream.write(chunk);
    if (pipe.clientGone) pipe.upstream.end();
  };

  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pipe: Pipe = { client, upstream, pending: [], clientGone: false };
    pipes.add(pipe);
    client.on('error', () => {});
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (closed || pipe.pending.length > 0) pipe.pending.push(chunk);
      else upstream.write(chunk);
    });
    client.on('close', () => {
      pipe.clientGone = true;
      if (pipe.pending.length === 0) upstream.end();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    upstream.on('close', () => {
      pipes.delete(pipe);
      client.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gate proxy has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    get held() {
      return [...pipes].filter((pipe) => pipe.pending.length > 0).length;
    },
    close: () => {
      closed = true;
    },
    open: () => {
      closed = false;
      for (const pipe of pipes) flush(pipe);
    },
    stop: async () => {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
