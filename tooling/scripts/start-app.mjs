// Each app's `start` (run from the app's folder): runs the app's bundle, dist/main.js, in this process, building it
// first when it is missing or older than any file it was built from. The bundle is what production runs; starting it
// took a third of the time `tsx src/main.ts` took (no TypeScript compiled at start, no module resolution through
// loader hooks), which is most of what made `pnpm start` slow on a small machine.
//
// The apps' start scripts run it as `node --max-semi-space-size=1 --optimize-for-size …`: V8 sized for a small
// development process (a 1 MB young generation instead of 16 MB, a heap that grows less eagerly). With them the
// gateway held 19 MiB less after the README's curl flow and all three about 10 MiB less, starting as fast.
//
// Freshness is read from dist/build-inputs.json, which tooling/scripts/build-app.mjs writes: every file esbuild
// read (the app's and the workspace packages' sources, the generated Prisma client, node_modules), the build
// script itself and the lockfile, and when the build started. A file newer than that, or gone, means rebuild.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const appDir = process.cwd();
const bundle = path.join(appDir, 'dist', 'main.js');
const buildScript = fileURLToPath(new URL('build-app.mjs', import.meta.url));

/** Why dist/ cannot be used as it is, or null when it matches the sources. */
function staleness() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(appDir, 'dist', 'build-inputs.json'), 'utf8'));
    statSync(bundle);
  } catch {
    return 'not built yet';
  }
  for (const input of manifest.inputs) {
    let modified;
    try {
      modified = statSync(path.resolve(appDir, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (modified > manifest.startedAt) return `${input} changed`;
  }
  return null;
}

/** The rule of service-kit's config: the app's prefixed URL, else the plain one; unset or empty is embedded. */
function runsEmbedded() {
  const name = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')).name.replace(
    /^@oos\//,
    '',
  );
  const url = [process.env[`${name.toUpperCase()}_DATABASE_URL`], process.env.DATABASE_URL].find(
    (value) => value !== undefined && value !== '',
  );
  return url === undefined;
}

const stale = staleness();
if (stale !== null) {
  console.log(`building dist/main.js (${stale})`);
  const build = spawnSync(process.execPath, [buildScript], { cwd: appDir, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// In embedded mode every WebAssembly module (PGlite's, Prisma's query compiler) runs on V8's baseline compiler:
// see useBaselineWasmCompilerOnly in packages/db-kit/src/embedded.ts. It has to be set before the bundle loads,
// since Prisma compiles its module while the bundle is imported.
if (runsEmbedded()) setFlagsFromString('--liftoff-only');

await import(pathToFileURL(bundle).href);
