import type { ScenarioResult } from './autocannon-run.ts';
import { type EmbeddedStartReport, formatEmbeddedStart } from './cold-start.ts';

/** One node binary's run: the apps on it, every selected scenario, the RSS afterwards. */
export interface NodeRun {
  node: string;
  nodeVersion: string;
  baseline: ScenarioResult | undefined;
  scenarios: ScenarioResult[];
  rssMiB: Record<string, number | null>;
  /** The same, after the apps have been idle for a few seconds. */
  settledRssMiB: Record<string, number | null>;
}

export interface BenchReport {
  date: string;
  command: string;
  machine: { nproc: number; memoryGiB: number; cpu: string; loadBefore: number; os: string };
  runtime: string;
  runtimeReason: string;
  durationSeconds: number;
  runs: NodeRun[];
  embeddedStart: EmbeddedStartReport | null;
  notes: string[];
}

const CPU_COLUMNS = ['gateway', 'inventory', 'payments', 'postgres', 'redis', 'loadgen'] as const;

function markdownTable(header: string[], align: ('l' | 'r')[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const cell = (value: string, i: number) =>
    align[i] === 'r' ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => `${'-'.repeat(width + 1)}${align[i] === 'r' ? ':' : '-'}`).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Throughput, latency and the CPU each process spent per request, for one node binary's run. */
export function formatTable(run: NodeRun): string {
  const base = run.baseline?.requestsPerSecond ?? 0;
  const rows = [...(run.baseline ? [run.baseline] : []), ...run.scenarios].map((result) => [
    result.name,
    String(result.connections),
    result.requestsPerSecond.toFixed(0),
    result.p50Ms.toFixed(1),
    result.p99Ms.toFixed(1),
    String(result.non2xx),
    String(result.errors),
    base > 0 ? `${((100 * result.requestsPerSecond) / base).toFixed(1)} %` : '-',
    ...CPU_COLUMNS.map((name) => {
      const ms = result.cpuMsPerRequest?.[name];
      return ms === undefined ? '' : ms.toFixed(2);
    }),
  ]);
  return markdownTable(
    [
      'scenario',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'errors',
      'vs baseline',
      ...CPU_COLUMNS.map((name) => `${name} CPU ms`),
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', ...CPU_COLUMNS.map((): 'r' => 'r')],
    rows,
  );
}

/** Side by side: each scenario's req/s and p99 on every node binary of the run. */
export function formatComparison(runs: NodeRun[]): string {
  const first = runs[0];
  if (first === undefined) return '';
  const rows = first.scenarios.map((scenario, index) => [
    scenario.name,
    String(scenario.connections),
    ...runs.flatMap((run) => {
      const result = run.scenarios[index];
      return result ? [result.requestsPerSecond.toFixed(0), result.p99Ms.toFixed(1)] : ['', ''];
    }),
  ]);
  return markdownTable(
    ['scenario', 'conns', ...runs.flatMap((run) => [`${run.node} req/s`, `${run.node} p99 ms`])],
    ['l', 'r', ...runs.flatMap((): ('l' | 'r')[] => ['r', 'r'])],
    rows,
  );
}

const rssLine = (rss: Record<string, number | null>) =>
  Object.entries(rss)
    .map(([app, mib]) => `${app} ${mib === null ? 'n/a' : `${mib.toFixed(0)} MiB`}`)
    .join(', ');

export function formatMarkdown(report: BenchReport): string {
  const lines = [
    `Latest run: ${report.date}, \`${report.command}\`, ${report.durationSeconds} s per scenario, apps run as ${report.runtime} (${report.runtimeReason}).`,
    '',
    `Machine: ${report.machine.nproc} CPUs (${report.machine.cpu}), ${report.machine.memoryGiB.toFixed(1)} GiB RAM, ${report.machine.os}, load average ${report.machine.loadBefore.toFixed(2)} before the run; PostgreSQL, Redis, the three services and autocannon all on this host.`,
  ];
  if (report.runs.length > 1) lines.push('', formatComparison(report.runs));
  for (const run of report.runs) {
    lines.push(
      '',
      `Apps on ${run.node} (${run.nodeVersion}); CPU columns: milliseconds of CPU each process spent per request.`,
      '',
      formatTable(run),
      '',
      `RSS right after the last scenario: ${rssLine(run.rssMiB)}; after 10 s idle: ${rssLine(run.settledRssMiB)}.`,
    );
  }
  lines.push(
    '',
    report.embeddedStart === null
      ? 'Embedded start: not measured.'
      : formatEmbeddedStart(report.embeddedStart),
    ...report.notes.map((note) => `\nNote: ${note}`),
  );
  return lines.join('\n');
}
