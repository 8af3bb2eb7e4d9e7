import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from './process.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const APP_NAMES = ['inventory', 'payments', 'gateway'] as const;
export type AppName = (typeof APP_NAMES)[number];

export type Runtime = 'dist' | 'tsx';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * `dist` when every app has a `dist/main.js` built after the last change to any app's or package's sources
 * (what production runs), else `tsx` — a stale bundle would measure code that no longer exists.
 */
export function pickRuntime(requested: string | undefined): { runtime: Runtime; reason: string } {
  if (requested === 'dist' || requested === 'tsx') return { runtime: requested, reason: 'requested' };
  let newestSource = newestMtime(path.join(REPO_ROOT, 'packages'));
  let oldestBundle = Number.POSITIVE_INFINITY;
  for (const app of APP_NAMES) {
    const appDir = path.join(REPO_ROOT, 'apps', app);
    newestSource = Math.max(newestSource, newestMtime(path.join(appDir, 'src')));
    try {
      oldestBundle = Math.min(oldestBundle, statSync(path.join(appDir, 'dist', 'main.js')).mtimeMs);
    } catch {
      return { runtime: 'tsx', reason: `apps/${app}/dist/main.js is missing (run pnpm build)` };
    }
  }
  return oldestBundle >= newestSource
    ? { runtime: 'dist', reason: 'apps/*/dist is newer than every source' }
    : { runtime: 'tsx', reason: 'apps/*/dist is older than the sources (run pnpm build)' };
}

/**
 * The node flags the production image runs the bundles with: read from the Dockerfile's `CMD ["node", …, "dist/main.js"]`,
 * so the bench measures the command production runs, not a look-alike.
 */
export function productionNodeFlags(): string[] {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const cmd = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].at(-1)?.[1];
  const parsed: unknown = cmd === undefined ? undefined : JSON.parse(cmd);
  if (!Array.isArray(parsed) || parsed[0] !== 'node' || parsed.at(-1) !== 'dist/main.js') {
    throw new Error('the Dockerfile has no CMD ["node", …, "dist/main.js"]');
  }
  return parsed.slice(1, -1).map(String);
}

/**
 * The malloc tuning the production image runs the apps with: the Dockerfile's `ENV GLIBC_TUNABLES=…`, so the bench's
 * RSS figures are the image's (none when the Dockerfile sets none).
 */
export function productionMallocTunables(): Record<string, string> {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const tunables = [...dockerfile.matchAll(/^ENV GLIBC_TUNABLES=(\S+)$/gm)].at(-1)?.[1];
  return tunables === undefined ? {} : { GLIBC_TUNABLES: tunables };
}

/** One app as a single node process (no tsx wrapper process), so its pid is the service's for RSS and kills. */
export function appProcess(
  app: AppName,
  runtime: Runtime,
  env: NodeJS.ProcessEnv,
  logFile: string,
  node: string = process.execPath,
): ManagedProcess {
  const cwd = path.join(REPO_ROOT, 'apps', app);
  const entry =
    runtime === 'dist' ? [...productionNodeFlags(), 'dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  // BENCH_CPU_PROF=<dir>: each app writes a V8 CPU profile there when it stops (open it in Chrome DevTools);
  // BENCH_CPU_PROF_INTERVAL=<µs> samples more often than V8's 1000 µs (Node refuses it in NODE_OPTIONS).
  const profileDir = process.env.BENCH_CPU_PROF;
  const interval = process.env.BENCH_CPU_PROF_INTERVAL;
  const profiling = profileDir
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        path.resolve(profileDir),
        ...(interval ? ['--cpu-prof-interval', interval] : []),
      ]
    : [];
  const args = [...profiling, ...entry];
  return new ManagedProcess(app, { command: node, args, cwd, env, logFile });
}

/** The environment every spawned app gets: the caller's, minus anything that would point it elsewhere. */
export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(GATEWAY|INVENTORY|PAYMENTS)_|^(PORT|DATABASE_URL|REDIS_URL|DATA_DIR|RATE_LIMIT_\w+)$/.test(name))
      continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}
