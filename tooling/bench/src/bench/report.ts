import type { ScenarioResult } from './autocannon-run.ts';
import { type EmbeddedStartReport, formatEmbeddedStart } from './cold-start.ts';

export interface BenchReport {
  date: string;
  command: string;
  machine: { nproc: number; memoryGiB: number; cpu: string; node: string; os: string };
  runtime: string;
  runtimeReason: string;
  durationSeconds: number;
  baseline: ScenarioResult;
  scenarios: ScenarioResult[];
  rssMiB: Record<string, number | null>;
  embeddedStart: EmbeddedStartReport | null;
  notes: string[];
}

const pad = (value: string, width: number) => value.padEnd(width);
const padLeft = (value: string, width: number) => value.padStart(width);

/** The table printed at the end and kept in docs/BENCHMARKS.md (markdown, so it reads in both places). */
export function formatTable(report: BenchReport): string {
  const header = `| ${pad('scenario', 34)} | ${padLeft('conns', 5)} | ${padLeft('req/s', 8)} | ${padLeft('p50 ms', 7)} | ${padLeft('p99 ms', 7)} | ${padLeft('non-2xx', 7)} | ${padLeft('errors', 6)} | ${padLeft('vs baseline', 11)} |`;
  const rule = `|${'-'.repeat(36)}|${'-'.repeat(6)}:|${'-'.repeat(9)}:|${'-'.repeat(8)}:|${'-'.repeat(8)}:|${'-'.repeat(8)}:|${'-'.repeat(7)}:|${'-'.repeat(12)}:|`;
  const base = report.baseline.requestsPerSecond;
  const row = (result: ScenarioResult) =>
    `| ${pad(result.name, 34)} | ${padLeft(String(result.connections), 5)} | ${padLeft(result.requestsPerSecond.toFixed(0), 8)} | ${padLeft(result.p50Ms.toFixed(1), 7)} | ${padLeft(result.p99Ms.toFixed(1), 7)} | ${padLeft(String(result.non2xx), 7)} | ${padLeft(String(result.errors), 6)} | ${padLeft(base > 0 ? `${((100 * result.requestsPerSecond) / base).toFixed(1)} %` : '-', 11)} |`;
  return [header, rule, row(report.baseline), ...report.scenarios.map(row)].join('\n');
}

export function formatMarkdown(report: BenchReport): string {
  const rss = Object.entries(report.rssMiB)
    .map(([app, mib]) => `${app} ${mib === null ? 'n/a' : `${mib.toFixed(0)} MiB`}`)
    .join(', ');
  return [
    `Latest run: ${report.date}, \`${report.command}\`, ${report.durationSeconds} s per scenario, apps run as ${report.runtime} (${report.runtimeReason}).`,
    '',
    `Machine: ${report.machine.nproc} CPUs (${report.machine.cpu}), ${report.machine.memoryGiB.toFixed(1)} GiB RAM, ${report.machine.os}, Node ${report.machine.node}; PostgreSQL, Redis, the three services and autocannon all on this host.`,
    '',
    formatTable(report),
    '',
    `RSS after the run: ${rss}.`,
    '',
    report.embeddedStart === null ? 'Embedded start: failed.' : formatEmbeddedStart(report.embeddedStart),
    ...report.notes.map((note) => `\nNote: ${note}`),
  ].join('\n');
}
