import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './services.ts';
import { type Answer, type System, startSystem } from './system.ts';

const ORDER = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

const paymentsState = async (system: System) => {
  const ready = await system.request('GET', '/ready/');
  return (ready.json as { components: { payments: string } }).components.payments;
};

describe('payments killed, then back (issue 4, end to end)', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem('embedded', {
      gatePayments: true,
      resilience: {
        retryMax: 2,
        breakerVolumeThreshold: 2,
        breakerErrorThresholdPercent: 50,
        breakerRollingWindowMs: 60_000,
        // Long enough that the open breaker cannot let a probe through between two requests of this test.
        breakerResetMs: 2_000,
      },
    });
    await system.setStock('SKU1', 1000);
  });
  afterAll(async () => {
    await system?.close();
  });

  it('answers 503 while payments is down, fails fast once the breaker opens, recovers without a restart', async () => {
    const gate = system.gate;
    if (!gate) throw new Error('the payments proxy is missing');
    expect((await system.create(ORDER)).status).toBe(201);
    expect(await paymentsState(system)).toBe('closed');

    await system.stopPayments();
    const outage: Answer[] = [];
    while ((await paymentsState(system)) !== 'open') outage.push(await system.create(ORDER));
    expect(outage.length).toBeGreaterThan(0);
    for (const answer of outage) {
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ detail: 'UPSTREAM_UNAVAILABLE' });
      expect(answer.headers.get('retry-after')).not.toBeNull();
    }

    // Open: the gateway answers without a single request reaching payments.
    const seen = gate.received;
    const fast = await system.create(ORDER);
    expect(fast.status).toBe(503);
    expect(fast.json).toMatchObject({ detail: 'UPSTREAM_UNAVAILABLE' });
    expect(seen).toBeGreaterThan(0);
    expect(gate.received).toBe(seen);

    await system.restartPayments();
    const confirmed = await eventually(async () => {
      const answer = await system.create(ORDER);
      return answer.status === 201 ? answer : undefined;
    });
    expect(confirmed.json).toMatchObject({ status: 'CONFIRMED' });
    expect(await paymentsState(system)).toBe('closed');
  });
});
