import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.ts';

let target: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  target = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const address = target.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  proxy = await FaultProxy.start(address.port);
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((resolve) => target.close(() => resolve()));
});

// A new connection per request, so each sees the fault set just before it.
const get = () =>
  fetch(`http://127.0.0.1:${proxy.port}/`, {
    headers: { connection: 'close' },
    signal: AbortSignal.timeout(1_500),
  });

describe('FaultProxy', () => {
  it('forwards both ways when no fault is set, and with latency', async () => {
    proxy.setFault({ kind: 'none' });
    expect(await (await get()).json()).toEqual({ ok: true });
    proxy.setFault({ kind: 'latency', ms: 50 });
    expect(await (await get()).json()).toEqual({ ok: true });
  });

  it('answers 503 in http503 mode', async () => {
    proxy.setFault({ kind: 'http503' });
    const response = await get();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ detail: 'UPSTREAM_UNAVAILABLE' });
  });

  it('resets connections in reset mode', async () => {
    proxy.setFault({ kind: 'reset' });
    await expect(get()).rejects.toThrow();
  });

  it('never answers in blackhole mode', async () => {
    proxy.setFault({ kind: 'blackhole' });
    await expect(get()).rejects.toThrow(/abort|timeout/i);
  });

  it('counts every fault it was switched to', () => {
    expect(proxy.injected).toMatchObject({ reset: 1, blackhole: 1, http503: 1, latency: 1 });
  });

  it('refuses like the service would when the service is down', async () => {
    proxy.setFault({ kind: 'none' });
    const dead = await FaultProxy.start(1);
    try {
      await expect(
        fetch(`http://127.0.0.1:${dead.port}/`, { signal: AbortSignal.timeout(1_500) }),
      ).rejects.toThrow();
    } finally {
      await dead.close();
    }
  });
});
