#!/usr/bin/env node
// Prints the path of a Node 24 LTS binary, installing it the first time from the npm registry, where the
// `node-<platform>-<arch>` packages ship the official binary inside the package (no download from elsewhere, so it
// works behind a proxy that only lets the registry through). CI runs the suite on it and `pnpm bench` runs the apps
// on it: `BENCH_NODE=$(node tooling/scripts/node24.mjs) pnpm bench`.
//
//   node tooling/scripts/node24.mjs            install if needed, print the binary's absolute path
//   NODE24_DIR=/somewhere node …/node24.mjs    install into another folder (default: <repo>/.cache/node24)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned so CI and the bench measure the same runtime; bump deliberately. */
const NODE24_VERSION = '24.22.3';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.resolve(process.env.NODE24_DIR ?? path.join(repoRoot, '.cache', 'node24'));
const pkg = `node-${process.platform}-${process.arch}`;
const binary = path.join(dir, 'node_modules', pkg, 'bin', 'node');

function versionOf(file) {
  try {
    return execFileSync(file, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

if (versionOf(binary) !== `v${NODE24_VERSION}`) {
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      dir,
      `${pkg}@${NODE24_VERSION}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const installed = versionOf(binary);
  if (installed !== `v${NODE24_VERSION}` || !existsSync(binary)) {
    console.error(
      `node24: ${pkg}@${NODE24_VERSION} installed, but ${binary} does not run as v${NODE24_VERSION}`,
    );
    process.exit(1);
  }
}
console.log(binary);
