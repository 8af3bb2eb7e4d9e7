import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  type PrismaClient as GatewayPrisma,
  migrationsDir as gatewayMigrations,
  openGatewayDatabase,
} from '@oos/db-gateway';
import { migrationsDir as inventoryMigrations, openInventoryDatabase } from '@oos/db-inventory';
import { type Database, deployMigrationsToUrl } from '@oos/db-kit';
import { createTestDatabase, freshTempDir, type TestDatabase } from '@oos/db-kit/testing';
import { openPaymentsDatabase, migrationsDir as paymentsMigrations } from '@oos/db-payments';
import { buildInventoryApp } from '@oos/inventory/app';
import type { InventoryRouter } from '@oos/inventory/router';
import { buildPaymentsApp } from '@oos/payments/app';
import { resolveResilienceConfig } from '@oos/resilience';
import { createLogger, createMetrics, listen, type RunningServer } from '@oos/service-kit';
import { createTRPCClient, httpLink } from '@trpc/client';
import { createRecoveryWorker, type RecoveryConfig, type RecoveryWorker } from '../src/recovery/worker.ts';
import { createUpstreams, type Upstreams } from '../src/upstreams.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import type { SystemDatabases } from './invariants.ts';
import { DECLINE_ABOVE_CENTS, TEST_RESILIENCE } from './system.ts';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const quiet = (service: string) => createLogger({ service, level: 'error' });

/** Short everything, so outcomes come quickly; tests still poll for outcomes, never time them. */
export const FAST_RECOVERY: RecoveryConfig = {
  intervalMs: 100,
  leaseMs: 1_000,
  pendingTimeoutMs: 60 * 60 * 1000,
  batchSize: 20,
  maxBackoffMs: 1_000,
  keySweepIntervalMs: 60_000,
  eventRetentionDays: 30,
};

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

export interface Services {
  inventoryUrl: string;
  /** The proxy in front of payments: every gateway here reaches payments through it. */
  payments: FaultProxy;
  gatewayDatabaseUrl: string;
  dbs: SystemDatabases;
  setStock(sku: string, quantity: number): Promise<void>;
  stock(sku: string): Promise<number>;
  stopPayments(): Promise<void>;
  restartPayments(): Promise<void>;
  /** `tsx src/main.ts` as a child process against these services (PostgreSQL), on an ephemeral port. */
  spawnGateway(env?: Record<string, string>): Promise<GatewayProcess>;
  /** A separate pool on the gateway database, e.g. for a second worker replica; closed by close(). */
  openGatewayPool(): Promise<Database<GatewayPrisma>>;
  /** Upstream clients through the proxy, as a gateway would have them. */
  upstreams(): Upstreams;
  worker(db: Database<GatewayPrisma>, config?: Partial<RecoveryConfig>): RecoveryWorker;
  /** SIGKILLs every gateway process still running, so none of their workers touches the next test's orders. */
  killGateways(): Promise<void>;
  close(): Promise<void>;
}

/** Inventory and payments in-process, each on its own fresh PostgreSQL database, plus a gateway database. */
export async function startServices(): Promise<Services> {
  const dataDir = await freshTempDir('oos-gateway-services-');
  const created: TestDatabase[] = [];
  const opened: Array<Database<unknown>> = [];
  const fresh = async (name: string, migrations: string) => {
    const database = await createTestDatabase(`gateway_it_${name}`);
    created.push(database);
    await deployMigrationsToUrl(database.url, migrations);
    return database.url;
  };
  const inventoryDb = await openInventoryDatabase({
    url: await fresh('inventory', inventoryMigrations),
    dataDir,
  });
  const paymentsDb = await openPaymentsDatabase({
    url: await fresh('payments', paymentsMigrations),
    dataDir,
  });
  const gatewayDatabaseUrl = await fresh('gateway', gatewayMigrations);
  const gatewayDb = await openGatewayDatabase({ url: gatewayDatabaseUrl, dataDir });
  opened.push(inventoryDb, paymentsDb, gatewayDb);

  const inventoryServer = await listen(
    buildInventoryApp({
      config: { internalToken: undefined, maxBodyBytes: 1024 * 1024 },
      db: inventoryDb,
      logger: quiet('inventory'),
      metrics: createMetrics('inventory'),
    }),
    0,
    '127.0.0.1',
  );
  const paymentsApp = buildPaymentsApp({
    config: { internalToken: undefined, maxBodyBytes: 1024 * 1024, declineAboveCents: DECLINE_ABOVE_CENTS },
    db: paymentsDb,
    logger: quiet('payments'),
    metrics: createMetrics('payments'),
  });
  let paymentsServer: RunningServer | undefined = await listen(paymentsApp, 0, '127.0.0.1');
  const paymentsPort = paymentsServer.port;
  const payments = await startFaultProxy(paymentsServer.url);
  const inventory = createTRPCClient<InventoryRouter>({
    links: [httpLink({ url: `${inventoryServer.url}/trpc` })],
  });

  const children: GatewayProcess[] = [];
  const clients: Upstreams[] = [];
  const workers: RecoveryWorker[] = [];
  const resilience = resolveResilienceConfig(TEST_RESILIENCE);

  const killGateways = async () => {
    for (const child of children.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
  };
  const upstreamsThroughProxy = () => {
    const upstreams = createUpstreams({
      inventoryBaseUrl: inventoryServer.url,
      paymentsBaseUrl: payments.url,
      internalToken: undefined,
      resilience,
      logger: quiet('gateway'),
    });
    clients.push(upstreams);
    return upstreams;
  };

  return {
    inventoryUrl: inventoryServer.url,
    payments,
    gatewayDatabaseUrl,
    dbs: { gateway: gatewayDb.client, inventory: inventoryDb.client, payments: paymentsDb.client },
    setStock: async (sku, quantity) => {
      await inventory.setStock.mutate({ sku, quantity });
    },
    stock: async (sku) => (await inventory.getStock.query({ sku })).quantity,
    stopPayments: async () => {
      await paymentsServer?.close(0);
      paymentsServer = undefined;
    },
    restartPayments: async () => {
      paymentsServer = await listen(paymentsApp, paymentsPort, '127.0.0.1');
    },
    spawnGateway: async (env = {}) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: appDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          HOST: '127.0.0.1',
          GATEWAY_PORT: '0',
          GATEWAY_DATABASE_URL: gatewayDatabaseUrl,
          DATA_DIR: dataDir,
          INVENTORY_BASE_URL: inventoryServer.url,
          PAYMENTS_BASE_URL: payments.url,
          LOG_LEVEL: 'info',
          HTTP_TIMEOUT_MS: '2000',
          HTTP_RETRY_MAX: '2',
          HTTP_RETRY_BACKOFF_MS: '10',
          HTTP_RETRY_MAX_BACKOFF_MS: '20',
          BREAKER_VOLUME_THRESHOLD: '1000',
          RATE_LIMIT_CREATE: '100000',
          RATE_LIMIT_CANCEL: '100000',
          RATE_LIMIT_DETAIL: '100000',
          RATE_LIMIT_LIST: '100000',
          RATE_LIMIT_DEFAULT: '100000',
          RECOVERY_INTERVAL_MS: '100',
          RECOVERY_LEASE_MS: '1000',
          RECOVERY_BACKOFF_MAX_MS: '1000',
          ...env,
        },
      });
      let output = '';
      const exited = once(child, 'exit').then(([code, signal]) => ({
        code: typeof code === 'number' ? code : null,
        signal: typeof signal === 'string' ? (signal as NodeJS.Signals) : null,
      }));
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match =
            /"message":"listening".*?"url":"([^"]+)"|"url":"([^"]+)".*?"message":"listening"/.exec(output);
          const found = match?.[1] ?? match?.[2];
          if (found) resolve(found);
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        void exited.then(({ code }) =>
          reject(new Error(`gateway exited (${code}) before listening:\n${output}`)),
        );
      });
      const process_ = { url, child, exited, output: () => output };
      children.push(process_);
      return process_;
    },
    openGatewayPool: async () => {
      const db = await openGatewayDatabase({ url: gatewayDatabaseUrl, dataDir });
      opened.push(db);
      return db;
    },
    upstreams: upstreamsThroughProxy,
    worker: (db, config = {}) => {
      const worker = createRecoveryWorker({
        db: db.client,
        statements: db.statements,
        upstreams: upstreamsThroughProxy(),
        logger: quiet('gateway'),
        config: { ...FAST_RECOVERY, ...config },
      });
      workers.push(worker);
      return worker;
    },
    killGateways,
    close: async () => {
      await Promise.allSettled(workers.map((worker) => worker.stop(0)));
      await killGateways();
      await Promise.all(clients.map((upstreams) => upstreams.shutdown()));
      payments.setMode('forward');
      await payments.stop();
      await paymentsServer?.close(0);
      await inventoryServer.close(0);
      await Promise.allSettled(opened.map((db) => db.close()));
      await Promise.allSettled(created.map((database) => database.drop()));
    },
  };
}

/** Polls `probe` until it returns a value (not undefined); gives up after `attempts` tries. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { attempts = 600, pauseMs = 50 }: { attempts?: number; pauseMs?: number } = {},
): Promise<T> {
  for (let i = 0; i < attempts; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error('condition not met within the bounded wait');
}

/** Polls until `condition` holds; the same bounded wait as `eventually`. */
export function until(
  condition: () => boolean | Promise<boolean>,
  bounds?: { attempts?: number; pauseMs?: number },
): Promise<true> {
  return eventually(async () => ((await condition()) ? true : undefined), bounds);
}
