#!/usr/bin/env node
// Makes a self-signed certificate pair for the TLS edge, for local use only: tls.crt and tls.key, the names the
// nginx template (deploy/nginx/templates/default.conf.template) and a Kubernetes TLS Secret both use.
//
//   pnpm tls:cert                                      → deploy/nginx/tls/ (what docker compose mounts), localhost
//   node tooling/scripts/tls-cert.mjs --out DIR --host orders.example.test --days 30 --force
//
// The certificate names localhost, 127.0.0.1 and ::1 besides each --host. It needs the `openssl` command. A
// browser warns about it (nobody vouches for it); curl accepts it with `--cacert deploy/nginx/tls/tls.crt`.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(repoRoot, 'deploy/nginx/tls') },
    host: { type: 'string', multiple: true, default: [] },
    days: { type: 'string', default: '30' },
    force: { type: 'boolean', default: false },
  },
});

const out = path.resolve(values.out);
const certFile = path.join(out, 'tls.crt');
const keyFile = path.join(out, 'tls.key');
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1) {
  console.error(`tls-cert: --days must be a whole number of days, got "${values.days}"`);
  process.exit(2);
}
if (!values.force && (existsSync(certFile) || existsSync(keyFile))) {
  console.error(`tls-cert: ${certFile} or ${keyFile} already exists; pass --force to replace them`);
  process.exit(1);
}

const hosts = [...values.host, 'localhost'];
const altNames = [...new Set(hosts)].map((host) => `DNS:${host}`).concat('IP:127.0.0.1', 'IP:::1');

mkdirSync(out, { recursive: true });
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-sha256',
    '-days',
    String(days),
    '-subj',
    `/CN=${hosts[0]}`,
    '-addext',
    `subjectAltName=${altNames.join(',')}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
// Only the owner (and the container's root, which nginx's master process runs as) reads the key.
chmodSync(keyFile, 0o600);
console.log(`tls-cert: wrote ${certFile} and ${keyFile} for ${altNames.join(', ')}, valid ${days} days`);
