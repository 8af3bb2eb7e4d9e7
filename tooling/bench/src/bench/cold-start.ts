import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { APP_NAMES, type AppName, baseEnv, REPO_ROOT } from '../stack/apps.ts';
import { waitForOk } from '../stack/http.ts';
import { freePort } from '../stack/ports.ts';

/**
 * The embedded start as a new user meets it: `pnpm start` typed in the repository (turbo, the three apps through
 * their `start` scripts, embedded PGlite, no Redis), timed until all three answer `GET /ready` 200.
 * - fresh: a new, empty DATA_DIR; then the first order is timed;
 * - warm: the same DATA_DIR started again;
 * - after the last warm start, the README's curl flow, then each app's RSS (from its own /metrics).
 * One untimed start comes first, so the measured ones find what `pnpm install` leaves: bundles and templates made.
 */
export interface EmbeddedStartReport {
  command: string;
  freshMs: number[];
  warmMs: number[];
  firstOrderMs: number[];
  rssAfterReadmeFlowMiB: Record<AppName, number | null>;
}

const COMMAND = 'pnpm start';
const READY_TIMEOUT_MS = 120_000;

interface Ports {
  gateway: number;
  inventory: number;
  payments: number;
}

interface Started {
  child: ChildProcess;
  readyMs: number;
}

async function freePorts(): Promise<Ports> {
  return { gateway: await freePort(), inventory: await freePort(), payments: await freePort() };
}

const urlOf = (ports: Ports, app: AppName) => `http://127.0.0.1:${ports[app]}`;

/** `pnpm start` in its own process group, so stopping it is what Ctrl-C does to the terminal's group. */
async function startStack(dataDir: string, ports: Ports, logFile: string): Promise<Started> {
  const env = baseEnv({
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(ports.gateway),
    INVENTORY_PORT: String(ports.inventory),
    PAYMENTS_PORT: String(ports.payments),
    INVENTORY_BASE_URL: urlOf(ports, 'inventory'),
    PAYMENTS_BASE_URL: urlOf(ports, 'payments'),
  });
  // Inside `pnpm bench` this runs as a turbo task; the nested turbo must not take it for its own.
  for (const name of Object.keys(env)) if (name.startsWith('TURBO_')) delete env[name];
  const log = createWriteStream(logFile, { flags: 'a' });
  const started = performance.now();
  const child = spawn('pnpm', ['start'], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('exit', () => log.end());
  try {
    await Promise.all(APP_NAMES.map((app) => waitForOk(`${urlOf(ports, app)}/ready`, READY_TIMEOUT_MS, 10)));
  } catch (error) {
    await stopStack(child);
    throw error;
  }
  return { child, readyMs: performance.now() - started };
}

async function stopStack(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-pid, 'SIGINT');
  const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!done) {
    process.kill(-pid, 'SIGKILL');
    await exited;
  }
}

interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

async function call(url: string, method: string, body?: unknown, key?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key !== undefined) headers['idempotency-key'] = key;
  const started = performance.now();
  const response = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  return { status: response.status, body: text === '' ? null : JSON.parse(text), ms };
}

function expectStatus(step: string, answer: Answer, status: number): Answer {
  if (answer.status !== status) {
    throw new Error(`${step}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer;
}

function idOf(answer: Answer): string {
  const id: unknown =
    typeof answer.body === 'object' && answer.body !== null ? Reflect.get(answer.body, 'id') : undefined;
  if (typeof id !== 'string') throw new Error(`no order id in ${JSON.stringify(answer.body)}`);
  return id;
}

const README_ORDER = { items: [{ sku: 'SKU1', quantity: 2 }], amount_cents: 1500, currency: 'EUR' };

/** The first order after a start, as the README's first curl sends it; its latency. */
async function firstOrder(gateway: string): Promise<number> {
  const answer = await call(`${gateway}/api/orders/`, 'POST', README_ORDER, `first-${randomUUID()}`);
  return expectStatus('first order', answer, 201).ms;
}

/** The README's curl examples, in order (create, replay, conflict, list, detail, 422, 402, cancel). */
async function readmeFlow(gateway: string): Promise<void> {
  const orders = `${gateway}/api/orders/`;
  const key = `order-42-${randomUUID()}`;
  const created = expectStatus('create', await call(orders, 'POST', README_ORDER, key), 201);
  const reordered = { currency: 'EUR', amount_cents: 1500, items: [{ sku: 'SKU1', quantity: 2 }] };
  expectStatus('replay', await call(orders, 'POST', reordered, key), 200);
  const other = { items: [{ sku: 'SKU1', quantity: 3 }], amount_cents: 1500, currency: 'EUR' };
  expectStatus('conflict', await call(orders, 'POST', other, key), 409);
  expectStatus('list', await call(`${orders}?page=1&page_size=20`, 'GET'), 200);
  expectStatus('detail', await call(`${orders}${idOf(created)}/`, 'GET'), 200);
  const shortage = { items: [{ sku: 'SKU1', quantity: 1000 }], amount_cents: 1500, currency: 'EUR' };
  expectStatus('insufficient stock', await call(orders, 'POST', shortage), 422);
  const declined = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 2_000_000, currency: 'EUR' };
  expectStatus('payment declined', await call(orders, 'POST', declined), 402);
  expectStatus('cancel', await call(`${orders}${idOf(created)}/cancel/`, 'POST'), 200);
}

/** Each app's resident set, as it reports it (`process_resident_memory_bytes` on /metrics). */
async function rssMiB(ports: Ports): Promise<Record<AppName, number | null>> {
  const rss: Record<AppName, number | null> = { inventory: null, payments: null, gateway: null };
  await Promise.all(
    APP_NAMES.map(async (app) => {
      const text = await (await fetch(`${urlOf(ports, app)}/metrics`)).text();
      const match = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
      rss[app] = match?.[1] === undefined ? null : Number(match[1]) / 2 ** 20;
    }),
  );
  return rss;
}

export async function measureEmbeddedStart(runs: number, logDir: string): Promise<EmbeddedStartReport> {
  const report: EmbeddedStartReport = {
    command: COMMAND,
    freshMs: [],
    warmMs: [],
    firstOrderMs: [],
    rssAfterReadmeFlowMiB: { inventory: null, payments: null, gateway: null },
  };
  const logFile = path.join(logDir, 'embedded-start.log');
  const warmUpDir = mkdtempSync(path.join(os.tmpdir(), 'oos-bench-start-'));
  try {
    await stopStack((await startStack(warmUpDir, await freePorts(), logFile)).child);
  } finally {
    rmSync(warmUpDir, { recursive: true, force: true });
  }
  for (let run = 1; run <= runs; run++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oos-bench-start-'));
    try {
      const ports = await freePorts();
      const fresh = await startStack(dataDir, ports, logFile);
      try {
        report.freshMs.push(fresh.readyMs);
        report.firstOrderMs.push(await firstOrder(urlOf(ports, 'gateway')));
      } finally {
        await stopStack(fresh.child);
      }
      const warm = await startStack(dataDir, ports, logFile);
      try {
        report.warmMs.push(warm.readyMs);
        if (run === runs) {
          await readmeFlow(urlOf(ports, 'gateway'));
          report.rssAfterReadmeFlowMiB = await rssMiB(ports);
        }
      } finally {
        await stopStack(warm.child);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return report;
}

export function formatEmbeddedStart(report: EmbeddedStartReport): string {
  const spread = (values: number[]) => {
    if (values.length === 0) return 'n/a';
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    return `median ${median.toFixed(0)} ms (${sorted.map((value) => value.toFixed(0)).join(', ')})`;
  };
  const rss = APP_NAMES.map((app) => {
    const mib = report.rssAfterReadmeFlowMiB[app];
    return `${app} ${mib === null ? 'n/a' : `${mib.toFixed(0)} MiB`}`;
  }).join(', ');
  return [
    `Embedded start (\`${report.command}\`, all three \`/ready\` 200), ${report.freshMs.length} runs each:`,
    `fresh DATA_DIR ${spread(report.freshMs)}; second start ${spread(report.warmMs)}; first order ${spread(report.firstOrderMs)}.`,
    `RSS after the README's curl flow: ${rss}.`,
  ].join(' ');
}

// `pnpm --filter @oos/bench exec tsx src/bench/cold-start.ts`: this measurement alone (BENCH_START_RUNS, default 3).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'oos-bench-logs-'));
  console.log(`[bench] embedded start; logs in ${logDir}`);
  const report = await measureEmbeddedStart(Number(process.env.BENCH_START_RUNS ?? '3'), logDir);
  console.log(JSON.stringify(report));
  console.log(formatEmbeddedStart(report));
}
