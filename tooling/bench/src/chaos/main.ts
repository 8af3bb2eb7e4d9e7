import { parseArgs } from 'node:util';
import { formatSummary, runChaos } from './run.ts';

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    console.error(`chaos: --${name} must be a positive integer (got ${value})`);
    process.exit(2);
  }
  return parsed;
}

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    orders: { type: 'string' },
    duration: { type: 'string' },
    concurrency: { type: 'string' },
    recovery: { type: 'string' },
    runtime: { type: 'string' },
  },
});
const runtime = values.runtime;
if (runtime !== undefined && runtime !== 'dist' && runtime !== 'tsx') {
  console.error('chaos: --runtime must be dist or tsx');
  process.exit(2);
}

const summary = await runChaos({
  orders: positiveInt('orders', values.orders, 2_000),
  durationSeconds: positiveInt('duration', values.duration, 90),
  concurrency: positiveInt('concurrency', values.concurrency, 8),
  recoverySeconds: positiveInt('recovery', values.recovery, 30),
  runtime,
});
console.log(formatSummary(summary));
process.exit(summary.violations.length > 0 ? 1 : 0);
