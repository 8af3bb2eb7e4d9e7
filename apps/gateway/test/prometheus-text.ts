/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format prom-client serves (comments skipped); throws on a line it cannot read. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      if (key !== undefined && value !== undefined) labels[key] = value.replace(/\\(.)/g, '$1');
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** `name{a="1",b="2"}` with labels sorted and `service` (the same on every sample of an app) left out. */
export function seriesKey(sample: Pick<Sample, 'name' | 'labels'>): string {
  const labels = Object.entries(sample.labels)
    .filter(([key]) => key !== 'service')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}="${value}"`);
  return labels.length === 0 ? sample.name : `${sample.name}{${labels.join(',')}}`;
}

export async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const series = new Map<string, number>();
  for (const sample of parsePrometheusText(await response.text()))
    series.set(seriesKey(sample), sample.value);
  return series;
}

/**
 * The series of the given families whose value changed between two scrapes, with the change. Scrapes of
 * /metrics itself are left out: each scrape counts in the next one's HTTP histogram.
 */
export function changes(
  before: Map<string, number>,
  after: Map<string, number>,
  families: readonly string[],
): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!families.some((family) => key === family || key.startsWith(`${family}{`))) continue;
    if (key.includes('route="/metrics"')) continue;
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) changed[key] = delta;
  }
  return changed;
}
