import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { APP_NAMES, pickRuntime, REPO_ROOT, type Runtime } from '../stack/apps.ts';

export interface NodeBinary {
  /** How tables name it: `node24`, `node20`, … from its major version. */
  label: string;
  version: string;
  path: string;
}

function versionOf(binary: string): string {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(`BENCH_NODE: ${binary} does not run (${error instanceof Error ? error.message : error})`);
  }
}

/**
 * The node binaries the apps run on: BENCH_NODE as a comma-separated list of paths (each gets a full run, in
 * order, so two runtimes are compared in one bench), or the node running the bench.
 */
export function benchNodes(setting: string | undefined): NodeBinary[] {
  const paths = (setting ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return (paths.length > 0 ? paths : [process.execPath]).map((binary) => {
    const version = versionOf(binary);
    return { label: `node${version.replace(/^v(\d+).*$/, '$1')}`, version, path: binary };
  });
}

/**
 * The production build unless BENCH_RUNTIME=tsx: a stale or missing `dist` is rebuilt first (what production
 * runs is what is measured, never an old bundle).
 */
export function readyRuntime(
  requested: string | undefined,
  log: (line: string) => void,
): { runtime: Runtime; reason: string } {
  if (requested !== undefined && requested !== 'dist' && requested !== 'tsx') {
    throw new Error('BENCH_RUNTIME must be dist or tsx');
  }
  if (requested === 'tsx') return { runtime: 'tsx', reason: 'requested' };
  const current = pickRuntime(undefined);
  if (current.runtime === 'dist') return { runtime: 'dist', reason: current.reason };
  log(`building the apps first: ${current.reason}`);
  for (const app of APP_NAMES) {
    const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'tooling/scripts/build-app.mjs')], {
      cwd: path.join(REPO_ROOT, 'apps', app),
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error(`building apps/${app} failed (exit ${built.status})`);
  }
  return { runtime: 'dist', reason: 'built from the current sources' };
}
