// Prints the functions with the most self time in a V8 .cpuprofile: `tsx src/bench/profile-summary.ts <file>`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
});

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: profile-summary <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const frame = frames.get(id);
  const where = frame?.url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '') ?? '?';
  const label = `${frame?.functionName || '(anonymous)'} ${where}:${(frame?.lineNumber ?? 0) + 1}`;
  self.set(label, (self.get(label) ?? 0) + 1);
}
const total = profile.samples.length;
const top = Number(process.argv[3] ?? '25');
for (const [label, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * count) / total).toFixed(1).padStart(5)} %  ${label}`);
}
