// Summarises a V8 .cpuprofile of an app: `tsx src/bench/profile-summary.ts <file.cpuprofile> [top] [--inclusive]`.
// Shares are of the busy samples (idle left out). Frames in a bundle are named by their original source through the
// bundle's source map (`dist/main.js.map` beside it), so `apps/*/dist` profiles read as the code that ran: summarise
// a profile before the next build replaces that map.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const callFrameSchema = z.object({
  functionName: z.string(),
  url: z.string(),
  lineNumber: z.number(),
  columnNumber: z.number(),
});
const profileSchema = z.object({
  nodes: z.array(
    z.object({ id: z.number(), callFrame: callFrameSchema, children: z.array(z.number()).optional() }),
  ),
  samples: z.array(z.number()),
});
type CallFrame = z.infer<typeof callFrameSchema>;

const args = process.argv.slice(2);
const inclusive = args.includes('--inclusive');
const [file, topArg] = args.filter((arg) => arg !== '--inclusive');
if (file === undefined) {
  console.error('usage: profile-summary <file.cpuprofile> [top] [--inclusive]');
  process.exit(2);
}
const profile = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

const sourceMaps = new Map<string, SourceMap | undefined>();
function sourceMapOf(url: string): SourceMap | undefined {
  if (!sourceMaps.has(url)) {
    const mapFile = url.startsWith('file:') ? `${fileURLToPath(url)}.map` : undefined;
    const payload =
      mapFile !== undefined && existsSync(mapFile) ? JSON.parse(readFileSync(mapFile, 'utf8')) : undefined;
    sourceMaps.set(url, payload === undefined ? undefined : new SourceMap(payload));
  }
  return sourceMaps.get(url);
}

// node_modules paths shortened to the package's own path, workspace paths from apps/ or packages/.
const shorten = (where: string) =>
  where
    .replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '')
    .replace(/^.*?\b(apps|packages)\//, '$1/');

function labelOf(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry !== undefined && 'originalSource' in entry && typeof entry.originalSource === 'string') {
    const source = path.resolve(path.dirname(fileURLToPath(frame.url)), entry.originalSource);
    return `${name} ${shorten(source)}:${entry.originalLine + 1}`;
  }
  return frame.url === '' ? name : `${name} ${shorten(frame.url)}:${frame.lineNumber + 1}`;
}

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const labels = new Map(profile.nodes.map((node) => [node.id, labelOf(node.callFrame)]));

const self = new Map<string, number>();
const total = new Map<string, number>();
let busy = 0;
for (const id of profile.samples) {
  if (nodes.get(id)?.callFrame.functionName === '(idle)') continue;
  busy += 1;
  const label = labels.get(id) ?? '?';
  self.set(label, (self.get(label) ?? 0) + 1);
  // A function counts once per sample however often it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const frame = labels.get(at) ?? '?';
    if (seen.has(frame)) continue;
    seen.add(frame);
    total.set(frame, (total.get(frame) ?? 0) + 1);
  }
}

const top = Number(topArg ?? '25');
const share = (count: number) => `${((100 * count) / busy).toFixed(1).padStart(5)} %`;
console.log(
  `${busy} busy samples of ${profile.samples.length}; ${inclusive ? 'inclusive and self' : 'self'} shares`,
);
const ranked = [...(inclusive ? total : self)].sort((a, b) => b[1] - a[1]).slice(0, top);
for (const [label, count] of ranked) {
  console.log(
    inclusive ? `${share(count)} ${share(self.get(label) ?? 0)}  ${label}` : `${share(count)}  ${label}`,
  );
}
