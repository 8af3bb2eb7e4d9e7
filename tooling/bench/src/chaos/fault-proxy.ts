import { connect, createServer, type Server, type Socket } from 'node:net';

export type Fault =
  | { kind: 'none' }
  /** Every chunk, both ways, waits this long. */
  | { kind: 'latency'; ms: number }
  /** Open connections are reset now, new ones as soon as they arrive. */
  | { kind: 'reset' }
  /** Connections are accepted and read, nothing is forwarded or answered. */
  | { kind: 'blackhole' }
  /** New connections get `503` to their first request and are closed, as an overloaded service would answer. */
  | { kind: 'http503' };

export type FaultKind = Fault['kind'];
export const FAULT_KINDS: readonly FaultKind[] = ['none', 'latency', 'reset', 'blackhole', 'http503'];

const SERVICE_UNAVAILABLE = [
  'HTTP/1.1 503 Service Unavailable',
  'Content-Type: application/json',
  'Content-Length: 33',
  'Connection: close',
  '',
  '{"detail":"UPSTREAM_UNAVAILABLE"}',
].join('\r\n');

/** A TCP proxy in front of one service whose fault can be changed at any time. */
export class FaultProxy {
  private fault: Fault = { kind: 'none' };
  private readonly connections = new Set<Socket>();
  /** How many times each fault was switched on. */
  readonly injected: Record<FaultKind, number> = { none: 0, latency: 0, reset: 0, blackhole: 0, http503: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, listenPort = 0): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy has no address');
    proxy = new FaultProxy(server, address.port);
    return proxy;
  }

  get current(): Fault {
    return this.fault;
  }

  setFault(fault: Fault): void {
    this.fault = fault;
    this.injected[fault.kind] += 1;
    if (fault.kind === 'reset') for (const socket of this.connections) socket.resetAndDestroy();
  }

  private track(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => {});
  }

  private accept(client: Socket, targetPort: number): void {
    this.track(client);
    const fault = this.fault;
    if (fault.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (fault.kind === 'blackhole') {
      client.resume();
      return;
    }
    if (fault.kind === 'http503') {
      client.once('data', () => client.end(SERVICE_UNAVAILABLE));
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    this.track(upstream);
    // The service is down (killed): the caller sees what it would see without the proxy, a refused connection.
    upstream.once('error', () => client.resetAndDestroy());
    client.once('error', () => upstream.destroy());
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  private forward(from: Socket, to: Socket): void {
    // Chunks go out in order through one chain, so a delayed chunk is never overtaken nor cut off by the close.
    let chain = Promise.resolve();
    const write = (chunk: Buffer) => {
      if (to.destroyed) return;
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    };
    from.on('data', (chunk: Buffer) => {
      const fault = this.fault;
      if (fault.kind === 'blackhole') return;
      if (fault.kind === 'reset') {
        from.resetAndDestroy();
        to.resetAndDestroy();
        return;
      }
      if (fault.kind === 'latency') {
        from.pause();
        chain = chain
          .then(() => new Promise((resolve) => setTimeout(resolve, fault.ms)))
          .then(() => {
            write(chunk);
            from.resume();
          });
        return;
      }
      chain = chain.then(() => write(chunk));
    });
    from.once('close', (hadError: boolean) => {
      void chain.then(() => {
        if (to.destroyed) return;
        if (hadError) to.resetAndDestroy();
        else to.end();
      });
    });
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
