import { afterEach, beforeEach, expect, it } from 'vitest';
import { UpstreamUnavailableError } from './errors.ts';
import { type MisbehavingServer, startMisbehavingServer, waitFor } from './testing/misbehaving-server.ts';
import { createUpstream, type Upstream } from './upstream.ts';

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

let server: MisbehavingServer;
let upstream: Upstream;

beforeEach(async () => {
  server = await startMisbehavingServer();
  upstream = createUpstream({
    name: 'payments',
    config: { timeoutMs: 1000, retryMax: 3, retryBackoffMs: 5, retryMaxBackoffMs: 20, retryDeadlineMs: 5000 },
  });
});

afterEach(async () => {
  upstream.shutdown();
  await server.close();
});

async function getPlain(signal: AbortSignal): Promise<unknown> {
  const response = await fetch(`${server.origin}/plain`, { signal });
  if (!response.ok) throw new HttpError(response.status);
  return response.json();
}

it('retries a real 503 and returns the 200 that follows', async () => {
  server.script('unavailable', 'ok');

  await expect(upstream.call(getPlain, { procedure: 'plain' })).resolves.toEqual({ ok: true });
  expect(server.requests).toBe(2);
});

it('hands a 4xx to the caller unchanged after one request', async () => {
  server.setDefault('not_found');

  const failure = upstream.call(getPlain);

  await expect(failure).rejects.toBeInstanceOf(HttpError);
  await expect(failure).rejects.toMatchObject({ status: 404 });
  expect(server.requests).toBe(1);
});

it('aborts a hanging fetch and gives up as timeout', async () => {
  server.setDefault('hang');
  const impatient = createUpstream({ name: 'payments', config: { ...upstream.config, timeoutMs: 200 } });

  const failure = impatient.call(getPlain, { procedure: 'plain' });

  await expect(failure).rejects.toBeInstanceOf(UpstreamUnavailableError);
  await expect(failure).rejects.toMatchObject({
    upstream: 'payments',
    procedure: 'plain',
    reason: 'timeout',
  });
  expect(server.requests).toBe(3);
  await waitFor(() => (server.aborted === 3 ? true : undefined));
  impatient.shutdown();
});

it('does not retry an unexpected local error, nor count it against the upstream', async () => {
  let calls = 0;
  const failure = upstream.call(async () => {
    calls += 1;
    throw new RangeError('bug');
  });

  await expect(failure).rejects.toBeInstanceOf(RangeError);
  expect(calls).toBe(1);
  expect(upstream.state()).toBe('closed');
});
