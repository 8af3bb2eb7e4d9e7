// What the root `start` and `test` scripts run, so `npm start` and `npm test` work on a machine with only Node and
// npm, and `pnpm start` / `pnpm test` do exactly the same:
//
//   node tooling/scripts/with-pnpm.mjs <command> [args...]     (from a root package.json script only)
//
// 1. Under anything but the pinned pnpm (npm, say), the same root script is run again under the pinned pnpm: the one
//    on PATH if it is that version, else `npx --yes pnpm@<version>` (corepack cannot verify pnpm's signatures on this
//    registry). Arguments given after the script's own (`npm test -- --filter=@oos/sdk`) are passed on.
// 2. Under the pinned pnpm, dependencies are installed when node_modules is missing or pnpm-lock.yaml is not the
//    one last installed from here (a no-op `pnpm install` when only something else installed it).
// 3. Then <command> runs, from node_modules/.bin, and this process ends with its exit code. On Linux it gets glibc's
//    malloc tuned for small processes unless GLIBC_TUNABLES is set already (see MALLOC_TUNABLES).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rootManifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const pinned = /^pnpm@(\d+\.\d+\.\d+)$/.exec(rootManifest.packageManager ?? '')?.[1];
if (pinned === undefined) throw new Error('package.json has no "packageManager": "pnpm@x.y.z"');
const installedStamp = path.join(
  repoRoot,
  'node_modules',
  '.cache',
  'with-pnpm',
  'installed-lockfile.sha256',
);

// Blocks of 128 KiB and more always come from (and go back to) the OS, instead of glibc raising that threshold as
// large blocks are freed and then keeping the heap they leave; two malloc arenas instead of one per thread. Measured
// after the README's curl flow on the embedded stack: gateway 179 → 158 MiB, inventory 171 → 149, payments
// 162 → 147. turbo passes the variable on (turbo.json), so the apps started by `pnpm start` get it.
const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2';

function fail(message) {
  console.error(`with-pnpm: ${message}`);
  process.exit(1);
}

/** Runs a command with this terminal; ends this process with its exit code (or its signal's). */
function runToCompletion(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env });
  // Ctrl-C reaches the whole foreground process group, the child included, so SIGINT is not passed on (the
  // child would get it twice); a signal sent to this process alone is.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => fail(`could not run ${command}: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

function pnpmVersionOnPath() {
  const probe = spawnSync('pnpm', ['--version'], { cwd: repoRoot, encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** The arguments npm or pnpm appended to the root script, i.e. those after the script's own. */
function extraArguments(script) {
  const own = (rootManifest.scripts?.[script] ?? '').trim().split(/\s+/);
  const at = own.findIndex((word) => word.endsWith('with-pnpm.mjs'));
  return process.argv.slice(2 + (at === -1 ? own.length : own.length - at - 1));
}

function lockfileHash() {
  return createHash('sha256')
    .update(readFileSync(path.join(repoRoot, 'pnpm-lock.yaml')))
    .digest('hex');
}

function installReason() {
  if (!existsSync(path.join(repoRoot, 'node_modules', '.modules.yaml')))
    return 'dependencies are not installed';
  if (!existsSync(installedStamp)) return 'no install from this pnpm-lock.yaml recorded yet';
  return readFileSync(installedStamp, 'utf8').trim() === lockfileHash()
    ? null
    : 'pnpm-lock.yaml changed since the last install';
}

const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith(`pnpm/${pinned} `)) {
  const script = process.env.npm_lifecycle_event;
  if (script === undefined) fail('run me through a root package.json script (npm start, npm test)');
  const args = ['run', script, ...extraArguments(script)];
  if (pnpmVersionOnPath() === pinned) {
    runToCompletion('pnpm', args);
  } else {
    console.error(`with-pnpm: pnpm ${pinned} is not on PATH; running it through npx --yes pnpm@${pinned}`);
    runToCompletion('npx', ['--yes', `pnpm@${pinned}`, ...args]);
  }
} else {
  const reason = installReason();
  if (reason !== null) {
    console.error(`with-pnpm: ${reason}: pnpm install`);
    const install = spawnSync('pnpm', ['install'], { cwd: repoRoot, stdio: 'inherit' });
    if (install.status !== 0) process.exit(install.status ?? 1);
    mkdirSync(path.dirname(installedStamp), { recursive: true });
    writeFileSync(installedStamp, `${lockfileHash()}\n`);
  }
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) fail('no command given');
  const local = path.join(repoRoot, 'node_modules', '.bin', command);
  const tuned = process.platform === 'linux' && process.env.GLIBC_TUNABLES === undefined;
  runToCompletion(existsSync(local) ? local : command, args, {
    ...process.env,
    ...(tuned ? { GLIBC_TUNABLES: MALLOC_TUNABLES } : {}),
  });
}
