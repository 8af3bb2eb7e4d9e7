import { spawnSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrationsDir as gatewayMigrations } from '@oos/db-gateway';
import { migrationsDir as inventoryMigrations } from '@oos/db-inventory';
import { deployMigrationsToUrl } from '@oos/db-kit';
import { migrationsDir as paymentsMigrations } from '@oos/db-payments';
import {
  APP_NAMES,
  type AppName,
  appProcess,
  baseEnv,
  productionMallocTunables,
  productionNodeFlags,
  REPO_ROOT,
} from '../stack/apps.ts';
import { CpuMeter, processCpuMs } from '../stack/cpu.ts';
import { seedStock, waitForOk } from '../stack/http.ts';
import { freePort } from '../stack/ports.ts';
import { ManagedProcess } from '../stack/process.ts';
import { RedisServer, redisServerAvailable } from '../stack/redis-server.ts';
import { runScenario, type Scenario, type ScenarioResult } from './autocannon-run.ts';
import { benchNodes, type NodeBinary, readyRuntime } from './bench-setup.ts';
import { type EmbeddedStartReport, formatEmbeddedStart, measureEmbeddedStart } from './cold-start.ts';
import { type BenchDatabase, createBenchDatabase } from './databases.ts';
import { type BenchReport, formatMarkdown, formatTable, type NodeRun } from './report.ts';

const TOKEN = 'bench-internal-token-0123456789';
const SKUS = Array.from({ length: 100 }, (_, i) => `BENCH-${String(i).padStart(3, '0')}`);
const HOT_SKU = 'BENCH-HOT';
const BENCH_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const DOC = path.join(REPO_ROOT, 'docs', 'BENCHMARKS.md');
const DOC_START = '<!-- bench:start (written by pnpm bench) -->';
const DOC_END = '<!-- bench:end -->';

const duration = Number(process.env.BENCH_DURATION ?? '10');
if (!Number.isFinite(duration) || duration <= 0)
  throw new Error('BENCH_DURATION must be a positive number of seconds');
/** BENCH_SCENARIOS=create,replay: only the scenarios whose id contains one of these words (profiling one path). */
const scenarioFilter = process.env.BENCH_SCENARIOS?.split(',')
  .map((word) => word.trim())
  .filter(Boolean);
const log = (line: string) => console.log(`[bench] ${line}`);
const cleanups: (() => Promise<void> | void)[] = [];
const notes: string[] = [];
const logDir = mkdtempSync(path.join(os.tmpdir(), 'oos-bench-logs-'));

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
process.once('SIGINT', () => {
  void cleanUp().then(() => process.exit(130));
});

const orderBody = (sku: string) =>
  JSON.stringify({ items: [{ sku, quantity: 1 }], amount_cents: 1500, currency: 'EUR' });

function createScenario(id: string, name: string, url: string, connections: number, sku: () => string) {
  return {
    id,
    name,
    url: `${url}/api/orders/`,
    connections,
    method: 'POST',
    setupRequest: (request) => ({
      ...request,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: orderBody(sku()),
    }),
  } satisfies Scenario & { id: string };
}

const selected = (id: string) =>
  scenarioFilter === undefined || scenarioFilter.some((word) => id.includes(word));

async function startBaseline(node: string): Promise<{ url: string; process: ManagedProcess }> {
  const port = await freePort();
  const baseline = new ManagedProcess('baseline', {
    command: node,
    args: ['--import', 'tsx', path.join(BENCH_DIR, 'src/bench/baseline-server.ts')],
    cwd: BENCH_DIR,
    env: { ...process.env, PORT: String(port) },
    logFile: path.join(logDir, 'baseline.log'),
  });
  baseline.start();
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/`, 30_000);
  return { url, process: baseline };
}

/** Idle time after the last scenario before the settled RSS is read. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? '10000');

const MEMORY_METRICS = {
  heapUsed: 'nodejs_heap_size_used_bytes',
  heapTotal: 'nodejs_heap_size_total_bytes',
  newSpace: 'nodejs_heap_space_size_total_bytes\\{space="new"',
  oldSpace: 'nodejs_heap_space_size_total_bytes\\{space="old"',
  codeSpace: 'nodejs_heap_space_size_total_bytes\\{space="code"',
  external: 'nodejs_external_memory_bytes',
} as const;

/** What an app's Prometheus endpoint says of its memory: where RSS goes (V8 heap used and held, external). */
async function memoryOf(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const memory: Record<string, number> = {};
  for (const [name, metric] of Object.entries(MEMORY_METRICS)) {
    const match = new RegExp(`^${metric}[^ ]* (\\S+)$`, 'm').exec(text);
    if (match?.[1] !== undefined) memory[name] = Math.round(Number(match[1]) / 2 ** 20);
  }
  return memory;
}

/** Fresh databases, a Redis, the three apps on `node`, every selected scenario; everything stopped afterwards. */
async function benchOn(node: NodeBinary, runtime: 'dist' | 'tsx'): Promise<NodeRun> {
  const local: (() => Promise<void> | void)[] = [];
  cleanups.push(async () => {
    for (const cleanup of local.splice(0).reverse()) await cleanup();
  });
  try {
    const databases = new Map<AppName, BenchDatabase>();
    for (const app of APP_NAMES) {
      const database = await createBenchDatabase(app);
      local.push(() => database.drop());
      databases.set(app, database);
    }
    const urlOf = (app: AppName) => databases.get(app)?.url ?? '';
    await deployMigrationsToUrl(urlOf('gateway'), gatewayMigrations);
    await deployMigrationsToUrl(urlOf('inventory'), inventoryMigrations);
    await deployMigrationsToUrl(urlOf('payments'), paymentsMigrations);

    // A Redis of its own when possible: a hundred thousand rate-limit hits on the shared one would be counted
    // against 127.0.0.1 for any test running meanwhile.
    let redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    let redisPid: () => number | undefined = () => undefined;
    if (process.env.BENCH_REDIS_URL === undefined && redisServerAvailable()) {
      const redis = new RedisServer(await freePort(), path.join(logDir, 'redis.log'));
      local.push(() => redis.close());
      await redis.start();
      redisUrl = redis.url;
      redisPid = () => redis.pid;
    }

    const ports = { gateway: await freePort(), inventory: await freePort(), payments: await freePort() };
    const env = baseEnv({
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      INTERNAL_API_TOKEN: TOKEN,
      GATEWAY_PORT: String(ports.gateway),
      INVENTORY_PORT: String(ports.inventory),
      PAYMENTS_PORT: String(ports.payments),
      GATEWAY_DATABASE_URL: urlOf('gateway'),
      INVENTORY_DATABASE_URL: urlOf('inventory'),
      PAYMENTS_DATABASE_URL: urlOf('payments'),
      INVENTORY_BASE_URL: `http://127.0.0.1:${ports.inventory}`,
      PAYMENTS_BASE_URL: `http://127.0.0.1:${ports.payments}`,
      CORS_ALLOWED_ORIGINS: 'http://localhost',
      REDIS_URL: redisUrl,
      RATE_LIMIT_CREATE: '1000000',
      RATE_LIMIT_LIST: '1000000',
      RATE_LIMIT_DETAIL: '1000000',
      RATE_LIMIT_CANCEL: '1000000',
      RATE_LIMIT_DEFAULT: '1000000',
      // The image's malloc tuning goes with the image's node flags (stack/apps.ts).
      ...(runtime === 'dist' ? productionMallocTunables() : {}),
      // BENCH_APP_NODE_OPTIONS: runtime flags for the apps only (heap sizing experiments), not for the bench.
      ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
    });
    const apps = new Map<AppName, ManagedProcess>();
    for (const app of APP_NAMES) {
      const child = appProcess(app, runtime, env, path.join(logDir, `${node.label}-${app}.log`), node.path);
      apps.set(app, child);
      local.push(() => child.close());
      child.start();
      await waitForOk(`http://127.0.0.1:${ports[app]}/ready`, 60_000);
    }
    const gateway = `http://127.0.0.1:${ports.gateway}`;
    await seedStock(
      `http://127.0.0.1:${ports.inventory}`,
      new Map([...SKUS, HOT_SKU].map((sku): [string, number] => [sku, 100_000_000])),
      TOKEN,
    );
    log(`${node.label}: stack ready and seeded`);

    const cpuOf = (pid: () => number | undefined) => () => {
      const id = pid();
      return id === undefined ? 0 : processCpuMs(id);
    };
    const meter = new CpuMeter({
      gateway: cpuOf(() => apps.get('gateway')?.pid),
      inventory: cpuOf(() => apps.get('inventory')?.pid),
      payments: cpuOf(() => apps.get('payments')?.pid),
      redis: cpuOf(redisPid),
      loadgen: () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      },
    });

    let baseline: ScenarioResult | undefined;
    if (selected('baseline')) {
      const server = await startBaseline(node.path);
      local.push(() => server.process.close());
      log(`${node.label}: baseline: Express hello-world, 16 connections`);
      baseline = await runScenario(
        { name: 'baseline: Express hello-world', url: `${server.url}/`, connections: 16 },
        duration,
      );
      await server.process.close();
    }

    const spread = () => SKUS[randomInt(SKUS.length)] ?? HOT_SKU;
    const results: ScenarioResult[] = [];
    const run = async (scenario: Scenario & { id: string }) => {
      if (!selected(scenario.id)) return;
      log(`${node.label}: ${scenario.name}, ${scenario.connections} connections`);
      meter.start();
      const result = await runScenario(scenario, duration);
      const spent = meter.stop();
      result.cpuMsPerRequest = Object.fromEntries(
        Object.entries(spent).map(([name, ms]) => [name, result.requests > 0 ? ms / result.requests : 0]),
      );
      results.push(result);
    };
    for (const connections of [1, 16, 64]) {
      await run(createScenario(`create-${connections}`, 'create, 100 SKUs', gateway, connections, spread));
    }
    await run(createScenario('create-hot', 'create, one hot SKU', gateway, 16, () => HOT_SKU));

    // Keys whose outcome is final, for the replay scenario; their order ids for the detail scenario.
    const replays: { key: string; body: string; id: string }[] = [];
    for (let i = 0; i < 200; i += 1) {
      const key = `bench-replay-${randomUUID()}`;
      const body = orderBody(spread());
      const response = await fetch(`${gateway}/api/orders/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body,
      });
      const order: unknown = await response.json();
      if (response.status === 201 && typeof order === 'object' && order !== null && 'id' in order) {
        replays.push({ key, body, id: String(order.id) });
      }
    }
    if (replays.length === 0)
      throw new Error('no order could be created for the replay and detail scenarios');
    const anyReplay = () => replays[randomInt(replays.length)] ?? replays[0];
    await run({
      id: 'replay',
      name: 'idempotent replay',
      url: `${gateway}/api/orders/`,
      connections: 16,
      method: 'POST',
      setupRequest: (request) => {
        const replay = anyReplay();
        return {
          ...request,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': replay?.key ?? '' },
          body: replay?.body ?? '',
        };
      },
    });
    await run({
      id: 'list',
      name: 'list (page_size 20)',
      url: `${gateway}/api/orders/?page=1&page_size=20`,
      connections: 16,
    });
    await run({
      id: 'detail',
      name: 'detail',
      url: `${gateway}/api/orders/`,
      connections: 16,
      setupRequest: (request) => ({
        ...request,
        method: 'GET',
        path: `/api/orders/${anyReplay()?.id ?? ''}/`,
      }),
    });

    const rssMiB: Record<string, number | null> = {};
    const heapMiB: Record<string, Record<string, number>> = {};
    for (const [app, child] of apps) {
      const bytes = child.rssBytes();
      rssMiB[app] = bytes === undefined ? null : bytes / 2 ** 20;
      heapMiB[app] = await memoryOf(`http://127.0.0.1:${ports[app]}/metrics`);
    }
    log(`${node.label}: memory (MiB) ${JSON.stringify(heapMiB)}`);
    // V8 grows its heap while allocation is fast and gives pages back once the process is idle: the footprint a
    // service keeps is the RSS after a quiet moment.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const settledRssMiB: Record<string, number | null> = {};
    for (const [app, child] of apps) {
      const bytes = child.rssBytes();
      settledRssMiB[app] = bytes === undefined ? null : bytes / 2 ** 20;
    }
    for (const result of baseline ? [baseline, ...results] : results) {
      if (result.non2xx > 0 || result.errors > 0) {
        notes.push(
          `${node.label}: ${result.name} (${result.connections}): status codes ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`,
        );
      }
    }
    return {
      node: node.label,
      nodeVersion: node.version,
      baseline,
      scenarios: results,
      rssMiB,
      settledRssMiB,
    };
  } finally {
    for (const cleanup of local.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

async function main(): Promise<void> {
  // Other work on the machine moves every figure: the 1-minute load average as the bench begins is recorded with them.
  const loadBefore = os.loadavg()[0] ?? 0;
  const nodes = benchNodes(process.env.BENCH_NODE);
  const { runtime, reason } = readyRuntime(process.env.BENCH_RUNTIME, log);
  log(
    `apps run as ${runtime} (${reason})${runtime === 'dist' ? ` with the image's ${[...productionNodeFlags(), ...Object.entries(productionMallocTunables()).map(([name, value]) => `${name}=${value}`)].join(' ')}` : ''} on ${nodes.map((node) => `${node.label} ${node.version} (${node.path})`).join(', then ')}; ${duration} s per scenario; logs in ${logDir}`,
  );

  const runs: NodeRun[] = [];
  for (const node of nodes) runs.push(await benchOn(node, runtime));

  let embeddedStart: EmbeddedStartReport | null = null;
  if (selected('start')) {
    log('embedded start: pnpm start, fresh and warm');
    try {
      embeddedStart = await measureEmbeddedStart(Number(process.env.BENCH_START_RUNS ?? '3'), logDir);
    } catch (error) {
      notes.push(`embedded start failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const report: BenchReport = {
    date: new Date().toISOString(),
    command: [
      process.env.BENCH_NODE ? 'BENCH_NODE=…' : '',
      process.env.BENCH_DURATION ? `BENCH_DURATION=${duration}` : '',
      process.env.BENCH_SCENARIOS ? `BENCH_SCENARIOS=${process.env.BENCH_SCENARIOS}` : '',
      'pnpm bench',
    ]
      .filter(Boolean)
      .join(' '),
    machine: {
      nproc: os.availableParallelism(),
      memoryGiB: os.totalmem() / 2 ** 30,
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      loadBefore,
      os: `${os.type()} ${os.release()}`,
    },
    runtime,
    runtimeReason: reason,
    durationSeconds: duration,
    runs,
    embeddedStart,
    notes,
  };
  for (const run of runs) {
    console.log(`\n${run.node} (${run.nodeVersion}):\n${formatTable(run)}`);
    console.log(`RSS after the run (MiB): ${JSON.stringify(run.rssMiB)}`);
    console.log(`RSS after ${SETTLE_MS / 1000} s idle (MiB): ${JSON.stringify(run.settledRssMiB)}`);
  }
  console.log(embeddedStart === null ? 'embedded start: not measured' : formatEmbeddedStart(embeddedStart));
  for (const note of notes) console.log(`note: ${note}`);

  const resultsDir = path.join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${path.relative(REPO_ROOT, path.join(resultsDir, 'latest.json'))}`);
  // A partial run (one scenario, for profiling) never replaces the recorded figures.
  if (process.env.BENCH_WRITE_DOCS !== '0' && scenarioFilter === undefined && existsSync(DOC)) {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(DOC_START);
    const end = doc.indexOf(DOC_END);
    if (start !== -1 && end > start) {
      writeFileSync(
        DOC,
        `${doc.slice(0, start + DOC_START.length)}\n${formatMarkdown(report)}\n${doc.slice(end)}`,
      );
      // Biome formats markdown too (aligned tables): keep the file as `pnpm lint` wants it.
      spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/biome'), ['format', '--write', DOC], {
        cwd: REPO_ROOT,
      });
      log('docs/BENCHMARKS.md updated');
    }
  }
}

try {
  await main();
} finally {
  await cleanUp();
}
