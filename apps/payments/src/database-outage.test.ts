import { freePort } from '@oos/db-kit/testing';
import { openPaymentsDatabase } from '@oos/db-payments';
import { createLogger, createMetrics, listen, type RunningServer } from '@oos/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPaymentsApp } from './app.ts';

describe('with its database unreachable', () => {
  let running: RunningServer;
  let closeDb: () => Promise<void>;
  beforeAll(async () => {
    const db = await openPaymentsDatabase({
      url: `postgresql://postgres@127.0.0.1:${await freePort()}/payments`,
      dataDir: '/nonexistent',
    });
    closeDb = () => db.close();
    const app = buildPaymentsApp({
      config: { maxBodyBytes: 1024 * 1024, internalToken: undefined, declineAboveCents: 1_000_000 },
      db,
      logger: createLogger({ service: 'payments', level: 'error' }),
      metrics: createMetrics('payments'),
    });
    running = await listen(app, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await running.close();
    await closeDb();
  });

  it('answers 503 SERVICE_UNAVAILABLE (retryable), not a 500', async () => {
    const res = await fetch(`${running.url}/charge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'outage-1' },
      body: JSON.stringify({ order_id: 'o-1', amount_cents: 100, currency: 'EUR' }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ detail: 'SERVICE_UNAVAILABLE' });
  });

  it('reports not ready while staying alive', async () => {
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    expect((await fetch(`${running.url}/ready`)).status).toBe(503);
  });
});
