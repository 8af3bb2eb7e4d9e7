import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResilienceConfig } from './config.ts';
import { getUpstreamUnavailable, isUpstreamUnavailable } from './errors.ts';
import { createHttpFetch, type HttpFetch } from './http-fetch.ts';
import {
  type Behaviour,
  closedPort,
  type MisbehavingServer,
  startMisbehavingServer,
  type TestRouter,
  waitFor,
} from './testing/misbehaving-server.ts';
import { type BreakerState, createUpstream, type Upstream, type UpstreamHooks } from './upstream.ts';

// Short enough for a fast suite, with a timeout a loaded CI machine still meets for a healthy answer; tests
// about timeouts shorten it further. The breaker is out of the way unless a test sets it up.
const fast: Partial<ResilienceConfig> = {
  timeoutMs: 1000,
  retryMax: 3,
  retryBackoffMs: 5,
  retryMaxBackoffMs: 20,
  retryDeadlineMs: 5000,
  breakerVolumeThreshold: 1000,
  breakerResetMs: 300,
};

let server: MisbehavingServer;
const upstreams: Upstream[] = [];
let transport: HttpFetch | undefined;

beforeEach(async () => {
  server = await startMisbehavingServer();
});

afterEach(async () => {
  for (const upstream of upstreams.splice(0)) upstream.shutdown();
  await transport?.close();
  transport = undefined;
  await server.close();
});

/**
 * Every test runs over both transports a tRPC client may have: the platform's fetch, and the undici transport
 * the gateway uses (createHttpFetch), so a failure reads the same to the policy whichever carries the call.
 */
const TRANSPORTS = ['fetch', 'undici'] as const;
let transportName: (typeof TRANSPORTS)[number] = 'fetch';

function clientFor(config: Partial<ResilienceConfig>, hooks: UpstreamHooks = {}, url = server.trpcUrl) {
  const upstream = createUpstream({ name: 'inventory', config: { ...fast, ...config }, hooks });
  upstreams.push(upstream);
  if (transportName === 'undici') transport ??= createHttpFetch();
  const client = createTRPCClient<TestRouter>({
    links: [upstream.link(), httpLink({ url, fetch: transport?.fetch })],
  });
  return { upstream, client };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe.each(TRANSPORTS)('over %s', (name) => {
  beforeEach(() => {
    transportName = name;
  });

  describe('upstream.link() retries', () => {
    it('retries a 500 and succeeds: one logical call, two requests', async () => {
      const outcomes: string[] = [];
      const retries: number[] = [];
      const { client } = clientFor(
        {},
        {
          onRetry: ({ attempt }) => retries.push(attempt),
          onOutcome: ({ outcome, attempts }) => outcomes.push(`${outcome}/${attempts}`),
        },
      );
      server.script('server_error', 'ok');

      const item = await client.item.query({ id: 'SKU1' });

      expect(item).toEqual({ id: 'SKU1', name: 'item SKU1' });
      expect(server.requests).toBe(2);
      expect(retries).toEqual([1]);
      expect(outcomes).toEqual(['success/2']);
    });

    it("hands the caller's operation context to every hook event of the call", async () => {
      const seen: string[] = [];
      const { client } = clientFor(
        {},
        {
          onAttempt: ({ attempt, context }) => seen.push(`attempt ${attempt} ${String(context.requestId)}`),
          onRetry: ({ attempt, context }) => seen.push(`retry ${attempt} ${String(context.requestId)}`),
          onOutcome: ({ outcome, context }) => seen.push(`${outcome} ${String(context.requestId)}`),
        },
      );
      server.script('server_error', 'ok');

      await client.item.query({ id: 'SKU1' }, { context: { requestId: 'req-42' } });

      expect(seen).toEqual(['attempt 1 req-42', 'retry 1 req-42', 'attempt 2 req-42', 'success req-42']);
    });

    it('retries a mutation whose connection was reset', async () => {
      const { client } = clientFor({});
      server.script('reset', 'ok');

      await expect(client.reserve.mutate({ reservation_id: 'r1' })).resolves.toEqual({
        reserved: true,
        reservation_id: 'r1',
      });
      expect(server.requests).toBe(2);
    });

    it('aborts every attempt that outlives the timeout, then gives up as timeout', async () => {
      const attempts: string[] = [];
      const { client } = clientFor(
        { timeoutMs: 200, retryMax: 3 },
        { onAttempt: ({ attempt, outcome }) => attempts.push(`${attempt}:${outcome}`) },
      );
      server.setDefault('hang');

      const error = await rejectionOf(client.item.query({ id: 'SKU1' }));

      expect(error).toBeInstanceOf(TRPCClientError);
      expect(isUpstreamUnavailable(error)).toBe(true);
      expect(getUpstreamUnavailable(error)).toMatchObject({
        upstream: 'inventory',
        procedure: 'item',
        reason: 'timeout',
        attempts: 3,
      });
      expect(attempts).toEqual(['1:timeout', '2:timeout', '3:timeout']);
      expect(server.requests).toBe(3);
      // The server sees each request closed by the client: the requests were really cancelled.
      await waitFor(() => (server.aborted === 3 ? true : undefined));
    });

    const domainAnswers: Array<[Behaviour, number, string]> = [
      ['bad_request', 400, 'BAD_REQUEST'],
      ['payment_required', 402, 'PAYMENT_REQUIRED'],
      ['not_found', 404, 'NOT_FOUND'],
      ['conflict', 409, 'CONFLICT'],
      ['unprocessable', 422, 'UNPROCESSABLE_CONTENT'],
    ];
    it.each(domainAnswers)(
      'passes a %s answer (%i) straight through, never retried',
      async (behaviour, status, code) => {
        const outcomes: string[] = [];
        const { client, upstream } = clientFor({}, { onOutcome: ({ outcome }) => outcomes.push(outcome) });
        server.setDefault(behaviour);

        const error = await rejectionOf(client.reserve.mutate({ reservation_id: 'r1' }));

        expect(error).toBeInstanceOf(TRPCClientError);
        if (!(error instanceof TRPCClientError)) return;
        expect(error.data?.httpStatus).toBe(status);
        expect(error.data?.code).toBe(code);
        expect(error.message).toBe(`scripted ${behaviour}`);
        expect(isUpstreamUnavailable(error)).toBe(false);
        expect(server.requests).toBe(1);
        expect(outcomes).toEqual(['domain_error']);
        expect(upstream.state()).toBe('closed');
      },
    );

    it('retries a refused connection, then gives up as network', async () => {
      const attempts: string[] = [];
      const port = await closedPort();
      const { client } = clientFor(
        {},
        { onAttempt: ({ outcome }) => attempts.push(outcome) },
        `http://127.0.0.1:${port}/trpc`,
      );

      const error = await rejectionOf(client.item.query({ id: 'SKU1' }));

      expect(getUpstreamUnavailable(error)).toMatchObject({ reason: 'network', attempts: 3 });
      expect(attempts).toEqual(['network', 'network', 'network']);
    });

    it('stops within the deadline, before using every attempt', async () => {
      const { client } = clientFor({
        retryMax: 50,
        retryBackoffMs: 40,
        retryMaxBackoffMs: 40,
        retryDeadlineMs: 300,
      });
      server.setDefault('server_error');

      const error = await rejectionOf(client.item.query({ id: 'SKU1' }));

      const unavailable = getUpstreamUnavailable(error);
      expect(unavailable?.reason).toBe('server_error');
      const attempts = unavailable?.attempts ?? 0;
      expect(attempts).toBeLessThan(50);
      // The attempt the deadline cut short may not have reached the server (how far it got depends on timing).
      expect(server.requests).toBeLessThanOrEqual(attempts);
      expect(server.requests).toBeGreaterThanOrEqual(attempts - 1);
    });

    it('cuts a hanging attempt short at the deadline', async () => {
      const { client } = clientFor({ timeoutMs: 60_000, retryDeadlineMs: 300 });
      server.setDefault('hang');

      const error = await rejectionOf(client.item.query({ id: 'SKU1' }));

      expect(getUpstreamUnavailable(error)).toMatchObject({ reason: 'timeout', attempts: 1 });
      expect(server.requests).toBe(1);
      await waitFor(() => (server.aborted === 1 ? true : undefined));
    });

    it('stops at once when the caller aborts, without blaming the upstream', async () => {
      const outcomes: string[] = [];
      const { client, upstream } = clientFor(
        { breakerVolumeThreshold: 1 },
        { onOutcome: ({ outcome }) => outcomes.push(outcome) },
      );
      server.setDefault('hang');
      const controller = new AbortController();

      const call = rejectionOf(client.item.query({ id: 'SKU1' }, { signal: controller.signal }));
      await waitFor(() => (server.requests === 1 ? true : undefined));
      controller.abort();
      const error = await call;

      expect(isUpstreamUnavailable(error)).toBe(false);
      await waitFor(() => (server.aborted === 1 ? true : undefined));
      expect(server.requests).toBe(1);
      expect(outcomes).toEqual(['cancelled']);
      expect(upstream.state()).toBe('closed');
    });
  });

  describe('upstream breaker', () => {
    it('opens, fails fast without a request, lets one probe through after the reset, and closes', async () => {
      const transitions: string[] = [];
      const onStateChange = ({ from, to }: { from: BreakerState; to: BreakerState }) =>
        transitions.push(`${from}->${to}`);
      const { client, upstream } = clientFor(
        { retryMax: 1, breakerVolumeThreshold: 2, breakerErrorThresholdPercent: 50, breakerResetMs: 300 },
        { onStateChange },
      );
      server.setDefault('server_error');

      for (let i = 0; i < 2; i += 1) {
        expect(getUpstreamUnavailable(await rejectionOf(client.item.query({ id: 'SKU1' })))?.reason).toBe(
          'server_error',
        );
      }
      expect(upstream.state()).toBe('open');

      const fastFailure = getUpstreamUnavailable(await rejectionOf(client.item.query({ id: 'SKU1' })));
      expect(fastFailure).toMatchObject({ reason: 'breaker_open', attempts: 0 });
      expect(server.requests).toBe(2);

      server.setDefault('ok');
      // Keep calling until the breaker lets the probe through; every call refused meanwhile must not reach the server.
      const item = await waitFor(async () => {
        try {
          return await client.item.query({ id: 'SKU1' });
        } catch (error) {
          if (getUpstreamUnavailable(error)?.reason === 'breaker_open') return undefined;
          throw error;
        }
      });
      expect(item.id).toBe('SKU1');
      expect(server.requests).toBe(3);
      expect(upstream.state()).toBe('closed');
      expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    });

    it('re-opens when the half-open probe fails', async () => {
      const { client, upstream } = clientFor({
        retryMax: 1,
        breakerVolumeThreshold: 1,
        breakerResetMs: 100,
      });
      server.setDefault('server_error');
      await rejectionOf(client.item.query({ id: 'SKU1' }));
      expect(upstream.state()).toBe('open');

      await waitFor(() => (upstream.state() === 'half_open' ? true : undefined));
      const probe = getUpstreamUnavailable(await rejectionOf(client.item.query({ id: 'SKU1' })));

      expect(probe?.reason).toBe('server_error');
      expect(upstream.state()).toBe('open');
      expect(server.requests).toBe(2);
    });

    it('counts a retried-then-successful call once, as a success', async () => {
      const { client, upstream } = clientFor({
        retryMax: 2,
        breakerVolumeThreshold: 2,
        breakerErrorThresholdPercent: 50,
      });
      // Counted per attempt this would be 2 failures in 4 = 50 %, enough to open.
      server.script('server_error', 'ok', 'server_error', 'ok');

      await client.item.query({ id: 'A' });
      await client.item.query({ id: 'B' });

      expect(server.requests).toBe(4);
      expect(upstream.state()).toBe('closed');
      await expect(client.item.query({ id: 'C' })).resolves.toMatchObject({ id: 'C' });
    });

    it('opens at exactly the error threshold (50 % of 2 calls)', async () => {
      const { client, upstream } = clientFor({
        retryMax: 1,
        breakerVolumeThreshold: 2,
        breakerErrorThresholdPercent: 50,
      });
      server.script('ok', 'server_error');

      await client.item.query({ id: 'A' });
      await rejectionOf(client.item.query({ id: 'B' }));

      expect(upstream.state()).toBe('open');
    });

    it('treats domain answers as successes', async () => {
      const { client, upstream } = clientFor({ breakerVolumeThreshold: 1, breakerErrorThresholdPercent: 1 });
      server.setDefault('conflict');

      for (let i = 0; i < 3; i += 1) await rejectionOf(client.reserve.mutate({ reservation_id: 'r1' }));

      expect(upstream.state()).toBe('closed');
      expect(server.requests).toBe(3);
    });
  });
});
