import { isCi } from '@oos/db-kit/testing';
import { describe, expect, it } from 'vitest';
import { chaosPrerequisites, formatSummary, runChaos } from './run.ts';

const missing = chaosPrerequisites();
const ci = isCi();

if (missing !== undefined && !ci) {
  console.warn(`\n⚠️  SKIPPING THE CHAOS SOAK: ${missing}.\n`);
}

describe.skipIf(missing !== undefined && !ci)('chaos soak (short)', () => {
  it('loses no order, stock, money or order event through kills, restarts and network faults', async () => {
    if (missing !== undefined) throw new Error(`${missing}: the chaos soak cannot be skipped under CI`);
    const summary = await runChaos({
      orders: 600,
      durationSeconds: 60,
      concurrency: 6,
      recoverySeconds: 20,
      log: () => {},
    });
    console.log(formatSummary(summary));
    expect(summary.ordersStored).toBeGreaterThan(0);
    expect(Object.values(summary.disruptions).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Every event went out, and the receiver's own faults made the dispatcher retry.
    expect(summary.webhooks.events).toBeGreaterThanOrEqual(summary.ordersStored * 2);
    expect(summary.webhooks.receiver.injected500).toBeGreaterThan(0);
    expect(summary.webhooks.backlog.failedAttempts).toBeGreaterThan(0);
    expect(summary.violations).toEqual([]);
  }, 300_000);
});
