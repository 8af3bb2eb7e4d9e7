import { startFaultProxy } from './fault-proxy.ts';

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
 * for as long as a test needs, without guessing durations. The fault proxy's `hold` mode, seen as a gate.
 */
export async function startGateProxy(target: string): Promise<GateProxy> {
  const proxy = await startFaultProxy(target);
  return {
    url: proxy.url,
    get held() {
      return proxy.held;
    },
    get received() {
      return proxy.seen.length;
    },
    close: () => proxy.setMode('hold'),
    open: () => proxy.setMode('forward'),
    stop: () => proxy.stop(),
  };
}
