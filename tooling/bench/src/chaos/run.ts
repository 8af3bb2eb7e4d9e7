import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrationsDir as gatewayMigrations } from '@oos/db-gateway';
import { migrationsDir as inventoryMigrations } from '@oos/db-inventory';
import { deployMigrationsToUrl } from '@oos/db-kit';
import { migrationsDir as paymentsMigrations } from '@oos/db-payments';
import { type AppName, appProcess, baseEnv, type Runtime } from '../stack/apps.ts';
import { seedStock, waitForOk } from '../stack/http.ts';
import { freePort } from '../stack/ports.ts';
import { findPostgresBinDir, PostgresServer } from '../stack/postgres-server.ts';
import type { ManagedProcess } from '../stack/process.ts';
import { RedisServer, redisServerAvailable } from '../stack/redis-server.ts';
import { FAULT_KINDS, type FaultKind, FaultProxy } from './fault-proxy.ts';
import { type Disruption, runDisruptions, toggleProxyFaults } from './faults.ts';
import {
  countPending,
  type DatabaseUrls,
  findViolations,
  readSnapshot,
  type Violation,
} from './invariants.ts';
import { LoadGenerator } from './load.ts';
import {
  findEventViolations,
  readEventSnapshot,
  readWebhookBacklog,
  type WebhookBacklog,
} from './webhook-invariants.ts';
import { type ReceiverCounts, WebhookReceiver } from './webhook-receiver.ts';

export interface ChaosOptions {
  /** New orders (Idempotency-Keys) to create at most. */
  orders: number;
  /** Seconds of load with faults. */
  durationSeconds: number;
  concurrency: number;
  /** Seconds to wait for the system to finish every order on its own (recovery worker) before clients retry. */
  recoverySeconds: number;
  runtime?: Runtime | undefined;
  log?: (line: string) => void;
}

export interface ChaosSummary {
  runtime: Runtime;
  logDir: string;
  keys: number;
  ordersStored: number;
  byStatus: Record<string, number>;
  clientStatuses: Record<string, number>;
  cancelStatuses: Record<string, number>;
  cancelNotFound: number;
  proxyFaults: Record<FaultKind, number>;
  disruptions: Record<string, number>;
  /** PENDING orders left after waiting `recoverySeconds` with no client retrying. */
  pendingAfterPassiveWait: number;
  /** Keys whose outcome the clients still did not know after retrying. */
  unresolvedKeys: number;
  unexpectedExits: Record<string, number>;
  webhooks: {
    /** Rows of order_events at the end. */
    events: number;
    /** What the receiver got, accepted, refused and injected. */
    receiver: ReceiverCounts;
    /** The gateway's deliveries and attempts after the drain. */
    backlog: WebhookBacklog;
    /** How long the deliveries took to drain after every order was final. */
    drainSeconds: number;
  };
  violations: Violation[];
  notes: string[];
}

export function chaosPrerequisites(): string | undefined {
  if (findPostgresBinDir() === undefined) return 'PostgreSQL server binaries (initdb, pg_ctl) not found';
  if (!redisServerAvailable()) return 'redis-server not found';
  return undefined;
}

const TOKEN = 'chaos-internal-token-0123456789';
const WEBHOOK_SECRET = 'chaos-webhook-secret-0123456789';
const SKUS = Array.from({ length: 30 }, (_, i) => `CHAOS-${String(i).padStart(2, '0')}`);
const SCARCE = ['CHAOS-SCARCE-1', 'CHAOS-SCARCE-2'];
const DECLINE_ABOVE = 100_000;

function seededStock(orders: number): Map<string, number> {
  // Enough for most orders (about 4 units per order spread over 30 SKUs), none for the scarce ones soon.
  const perSku = Math.ceil((orders * 4) / SKUS.length);
  return new Map([
    ...SKUS.map((sku): [string, number] => [sku, perSku]),
    ...SCARCE.map((s): [string, number] => [s, 15]),
  ]);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const log = options.log ?? ((line: string) => console.log(`[chaos] ${line}`));
  const prerequisite = chaosPrerequisites();
  if (prerequisite !== undefined) throw new Error(prerequisite);
  const binDir = findPostgresBinDir() ?? '';
  // The sources by default: a chaos run should prove the code as it is now, not an older bundle.
  const runtime = options.runtime ?? 'tsx';
  const logDir = mkdtempSync(path.join(tmpdir(), 'oos-chaos-logs-'));
  const notes: string[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];

  try {
    log(`logs in ${logDir}; runtime ${runtime}`);
    const postgres = await PostgresServer.create(binDir, await freePort());
    cleanups.push(() => postgres.destroy());
    const redis = new RedisServer(await freePort(), path.join(logDir, 'redis.log'));
    cleanups.push(() => redis.close());
    await redis.start();

    const urls: DatabaseUrls = {
      gateway: await postgres.createDatabase('gateway'),
      inventory: await postgres.createDatabase('inventory'),
      payments: await postgres.createDatabase('payments'),
    };
    await deployMigrationsToUrl(urls.gateway, gatewayMigrations);
    await deployMigrationsToUrl(urls.inventory, inventoryMigrations);
    await deployMigrationsToUrl(urls.payments, paymentsMigrations);
    log(`PostgreSQL on ${postgres.port}, Redis on ${redis.port}, migrated`);

    const ports = { gateway: await freePort(), inventory: await freePort(), payments: await freePort() };
    const inventoryProxy = await FaultProxy.start(ports.inventory);
    const paymentsProxy = await FaultProxy.start(ports.payments);
    cleanups.push(
      () => inventoryProxy.close(),
      () => paymentsProxy.close(),
    );

    // The webhook endpoint: verifies every delivery with the SDK and injects its own faults (500s, slowness, resets).
    const receiver = await WebhookReceiver.start(WEBHOOK_SECRET);
    cleanups.push(() => receiver.close());

    const env = baseEnv({
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      INTERNAL_API_TOKEN: TOKEN,
      GATEWAY_PORT: String(ports.gateway),
      INVENTORY_PORT: String(ports.inventory),
      PAYMENTS_PORT: String(ports.payments),
      GATEWAY_DATABASE_URL: urls.gateway,
      INVENTORY_DATABASE_URL: urls.inventory,
      PAYMENTS_DATABASE_URL: urls.payments,
      INVENTORY_BASE_URL: `http://127.0.0.1:${inventoryProxy.port}`,
      PAYMENTS_BASE_URL: `http://127.0.0.1:${paymentsProxy.port}`,
      REDIS_URL: redis.url,
      RATE_LIMIT_CREATE: '1000000',
      RATE_LIMIT_LIST: '1000000',
      RATE_LIMIT_DETAIL: '1000000',
      RATE_LIMIT_CANCEL: '1000000',
      RATE_LIMIT_DEFAULT: '1000000',
      HTTP_TIMEOUT_MS: '1000',
      HTTP_RETRY_DEADLINE_MS: '3000',
      BREAKER_RESET_MS: '2000',
      BREAKER_ROLLING_WINDOW_MS: '5000',
      RECOVERY_INTERVAL_MS: '1000',
      RECOVERY_LEASE_MS: '5000',
      // The worker backs off per order up to this; its 5-minute default would outlast the whole recovery wait.
      RECOVERY_BACKOFF_MAX_MS: '5000',
      RECOVERY_BATCH_SIZE: '100',
      PAYMENTS_DECLINE_ABOVE_CENTS: String(DECLINE_ABOVE),
      WEBHOOK_URLS: receiver.url,
      WEBHOOK_SECRET,
      // Short enough that the receiver's slow answers sometimes time out, and retries come quickly.
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_INTERVAL_MS: '100',
      WEBHOOK_BACKOFF_BASE_MS: '50',
      WEBHOOK_BACKOFF_MAX_MS: '1000',
      // Nothing should be given up during a run: a FAILED delivery here is a finding, not the horizon passing.
      WEBHOOK_RETRY_HORIZON_MS: '600000',
      WEBHOOK_BATCH_SIZE: '100',
    });
    const apps = new Map<AppName, ManagedProcess>();
    for (const app of ['inventory', 'payments', 'gateway'] as const) {
      const process = appProcess(app, runtime, env, path.join(logDir, `${app}.log`));
      apps.set(app, process);
      cleanups.push(() => process.close());
    }
    const readyUrl = (app: AppName) => `http://127.0.0.1:${ports[app]}/ready`;
    const startApp = async (app: AppName) => {
      apps.get(app)?.start();
      await waitForOk(readyUrl(app), 60_000);
    };
    for (const app of ['inventory', 'payments', 'gateway'] as const) await startApp(app);

    const seeded = seededStock(options.orders);
    await seedStock(`http://127.0.0.1:${ports.inventory}`, seeded, TOKEN);
    log(`stack ready; ${seeded.size} SKUs seeded; load for ${options.durationSeconds} s`);

    const killAndRestart = (app: AppName): Disruption => ({
      name: `SIGKILL ${app}`,
      run: async () => {
        await apps.get(app)?.stop('SIGKILL');
        await sleep(500 + Math.random() * 1_500);
        await startApp(app);
      },
    });
    const disruptions: Disruption[] = [
      killAndRestart('inventory'),
      {
        name: 'restart PostgreSQL (immediate)',
        run: async () => {
          postgres.stop('immediate');
          await sleep(1_000);
          await postgres.start();
        },
      },
      killAndRestart('gateway'),
      {
        name: 'stop/start Redis',
        run: async () => {
          await redis.stop();
          await sleep(3_000);
          await redis.start();
        },
      },
      killAndRestart('payments'),
    ];

    const until = Date.now() + options.durationSeconds * 1_000;
    const load = new LoadGenerator(`http://127.0.0.1:${ports.gateway}`, {
      skus: SKUS,
      scarceSkus: SCARCE,
      declinedAmountCents: DECLINE_ABOVE * 2,
    });
    // A disruption itself takes seconds (restart, readiness), so half the even share is left for the gaps.
    const period = Math.max(2_000, (options.durationSeconds * 1_000) / (disruptions.length * 2));
    const [, , disruptionCounts] = await Promise.all([
      load.run({ concurrency: options.concurrency, until, maxOrders: options.orders }),
      toggleProxyFaults([inventoryProxy, paymentsProxy], until),
      runDisruptions(disruptions, until, period, log),
    ]);
    log(`faults stopped; ${load.created} keys created, ${load.unresolvedKeys} without a final answer`);

    // Everything back up (a disruption cut short by the deadline may have left something down).
    for (const [app, process] of apps) if (!process.running) await startApp(app);
    for (const app of ['inventory', 'payments', 'gateway'] as const) await waitForOk(readyUrl(app), 60_000);

    const passiveUntil = Date.now() + options.recoverySeconds * 1_000;
    let pending = countPending(await readSnapshot(urls));
    while (pending > 0 && Date.now() < passiveUntil) {
      await sleep(1_000);
      pending = countPending(await readSnapshot(urls));
    }
    const pendingAfterPassiveWait = pending;
    if (pending > 0) {
      notes.push(
        `${pending} orders were still PENDING (or mid-cancel) ${options.recoverySeconds} s after the faults stopped with no client ` +
          'retrying: the recovery worker did not finish them (is it running?)',
      );
    }
    log(`PENDING after the passive wait: ${pending}; clients now retry their unresolved keys`);
    const unresolvedKeys = await load.settle(Date.now() + 60_000);
    const settleUntil = Date.now() + 60_000;
    let snapshot = await readSnapshot(urls);
    while (countPending(snapshot) > 0 && Date.now() < settleUntil) {
      await sleep(1_000);
      snapshot = await readSnapshot(urls);
    }

    // Every order is final; now every event must reach the receiver (the dispatcher keeps retrying its faults).
    const drainStarted = Date.now();
    const drainUntil = drainStarted + 60_000;
    let backlog = await readWebhookBacklog(urls.gateway);
    while ((backlog.pending > 0 || backlog.unsent > 0) && Date.now() < drainUntil) {
      await sleep(500);
      backlog = await readWebhookBacklog(urls.gateway);
    }
    const drainSeconds = Math.round((Date.now() - drainStarted) / 100) / 10;
    log(
      `webhooks drained in ${drainSeconds} s: ${backlog.pending} pending, ${backlog.unsent} not fanned out, ${backlog.failed} failed`,
    );
    if (backlog.pending > 0 || backlog.unsent > 0) {
      notes.push(
        `webhooks did not drain within 60 s after the orders settled: ${backlog.pending} deliveries PENDING, ` +
          `${backlog.unsent} events with no delivery (is the dispatcher running?)`,
      );
    }
    if (backlog.failed > 0) {
      notes.push(
        `${backlog.failed} webhook deliveries FAILED (given up) although the horizon was 10 minutes`,
      );
    }
    const events = await readEventSnapshot(urls.gateway);

    const violations = [
      ...findViolations(snapshot, seeded, load.seen),
      ...findEventViolations(events, receiver, load.seen),
    ];
    if (load.seen.cancelNotFound > 0) {
      notes.push(
        `${load.seen.cancelNotFound} cancels of existing orders answered 404: the cancel route is missing (issue 6)`,
      );
    }
    const byStatus: Record<string, number> = {};
    for (const order of snapshot.orders) byStatus[order.status] = (byStatus[order.status] ?? 0) + 1;
    const proxyFaults: Record<FaultKind, number> = {
      none: 0,
      latency: 0,
      reset: 0,
      blackhole: 0,
      http503: 0,
    };
    for (const proxy of [inventoryProxy, paymentsProxy]) {
      for (const kind of FAULT_KINDS) proxyFaults[kind] += proxy.injected[kind];
    }
    const unexpectedExits: Record<string, number> = {};
    for (const [app, process] of apps) unexpectedExits[app] = process.unexpectedExits;
    return {
      runtime,
      logDir,
      keys: load.seen.keys.size,
      ordersStored: snapshot.orders.length,
      byStatus,
      clientStatuses: load.seen.statuses,
      cancelStatuses: load.seen.cancelStatuses,
      cancelNotFound: load.seen.cancelNotFound,
      proxyFaults,
      disruptions: disruptionCounts,
      pendingAfterPassiveWait,
      unresolvedKeys,
      unexpectedExits,
      webhooks: { events: events.events.length, receiver: receiver.counts, backlog, drainSeconds },
      violations,
      notes,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

export function formatSummary(summary: ChaosSummary): string {
  const lines = [
    `chaos summary (runtime ${summary.runtime}; service logs in ${summary.logDir})`,
    `  keys created:           ${summary.keys}`,
    `  orders stored:          ${summary.ordersStored} ${JSON.stringify(summary.byStatus)}`,
    `  create answers:         ${JSON.stringify(summary.clientStatuses)}`,
    `  cancel answers:         ${JSON.stringify(summary.cancelStatuses)}`,
    `  proxy faults injected:  ${JSON.stringify(summary.proxyFaults)}`,
    `  disruptions:            ${JSON.stringify(summary.disruptions)}`,
    `  unexpected exits:       ${JSON.stringify(summary.unexpectedExits)}`,
    `  order events:           ${summary.webhooks.events}`,
    `  webhook receiver:       ${JSON.stringify(summary.webhooks.receiver)}`,
    `  webhook deliveries:     ${JSON.stringify(summary.webhooks.backlog)} (drained in ${summary.webhooks.drainSeconds} s)`,
    `  PENDING after passive recovery wait: ${summary.pendingAfterPassiveWait}`,
    `  keys still unresolved after client retries: ${summary.unresolvedKeys}`,
    ...summary.notes.map((note) => `  note: ${note}`),
    `  violations: ${summary.violations.length}`,
  ];
  const byRule = new Map<string, string[]>();
  for (const v of summary.violations) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), v.detail]);
  for (const [rule, details] of byRule) {
    lines.push(`    ${rule}: ${details.length}`);
    for (const detail of details.slice(0, 10)) lines.push(`      - ${detail}`);
    if (details.length > 10) lines.push(`      … and ${details.length - 10} more`);
  }
  return lines.join('\n');
}
