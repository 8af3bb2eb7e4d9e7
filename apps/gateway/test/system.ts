import {
  type PrismaClient as GatewayPrisma,
  migrationsDir as gatewayMigrations,
  openGatewayDatabase,
} from '@oos/db-gateway';
import {
  type PrismaClient as InventoryPrisma,
  migrationsDir as inventoryMigrations,
  openInventoryDatabase,
} from '@oos/db-inventory';
import type { Database, OpenDatabaseOptions, QueryCounts, Statements } from '@oos/db-kit';
import { createQueryCounter, deployMigrationsToUrl } from '@oos/db-kit';
import { createTestDatabase, freshTempDir, postgresForTests } from '@oos/db-kit/testing';
import {
  openPaymentsDatabase,
  type PrismaClient as PaymentsPrisma,
  migrationsDir as paymentsMigrations,
} from '@oos/db-payments';
import { buildInventoryApp } from '@oos/inventory/app';
import type { InventoryRouter } from '@oos/inventory/router';
import { buildPaymentsApp } from '@oos/payments/app';
import { type ResilienceConfig, resolveResilienceConfig } from '@oos/resilience';
import { createOrdersClient, type OrdersClient, type OrdersClientOptions } from '@oos/sdk';
import { createLogger, createMetrics, type Logger, listen, type RunningServer } from '@oos/service-kit';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import { buildGatewayApp } from '../src/app.ts';
import { createOrderCache, type OrderCache } from '../src/cache/order-cache.ts';
import { createEdge, type Edge, readEdgeConfig } from '../src/edge/index.ts';
import { gatewayMetrics as gatewayMetricsOn } from '../src/observability/metrics.ts';
import { createUpstreams, type Upstreams } from '../src/upstreams.ts';
import { type GateProxy, startGateProxy } from './gate-proxy.ts';

export type Mode = 'embedded' | 'postgres';

/** Embedded always; PostgreSQL when reachable (required under CI). */
export async function availableModes(): Promise<Mode[]> {
  const postgres = await postgresForTests();
  return postgres.available ? ['embedded', 'postgres'] : ['embedded'];
}

/** Short enough that an outage answers quickly, long enough that a loaded machine does not time out. */
export const TEST_RESILIENCE: Partial<ResilienceConfig> = {
  timeoutMs: 5_000,
  retryMax: 2,
  retryBackoffMs: 10,
  retryMaxBackoffMs: 20,
  retryDeadlineMs: 10_000,
  breakerVolumeThreshold: 1000,
};

export const DECLINE_ABOVE_CENTS = 1_000_000;

interface Opened<C> {
  db: Database<C>;
  drop(): Promise<void>;
}

async function open<C>(
  mode: Mode,
  service: string,
  migrationsDir: string,
  opener: (options: Omit<OpenDatabaseOptions, 'service'>) => Promise<Database<C>>,
  wrapAdapter: OpenDatabaseOptions['wrapAdapter'],
): Promise<Opened<C>> {
  const dataDir = await freshTempDir(`oos-gateway-test-${service}-`);
  if (mode === 'embedded') {
    const db = await opener({ dataDir, wrapAdapter });
    return { db, drop: () => db.close() };
  }
  const database = await createTestDatabase(`gateway_${service}`);
  await deployMigrationsToUrl(database.url, migrationsDir);
  const db = await opener({ url: database.url, dataDir, poolMax: 30, wrapAdapter });
  return {
    db,
    drop: async () => {
      await db.close();
      await database.drop();
    },
  };
}

export interface SystemOptions {
  resilience?: Partial<ResilienceConfig>;
  /** Put a proxy that can hold requests between the gateway and payments. */
  gatePayments?: boolean;
  leaseMs?: number;
  idempotencyTtlHours?: number;
  /** Put the edge protections in front, configured from these variables (as `readEdgeConfig` reads them). */
  edgeEnv?: Record<string, string>;
  /** Cache single-order reads in this Redis. */
  orderCacheRedisUrl?: string;
  /** The internal bearer token the services require and the gateway sends (default: none). */
  internalToken?: string;
  /** Loggers to use instead of the silent ones (e.g. to capture log lines). */
  loggers?: Partial<Record<'gateway' | 'inventory' | 'payments', Logger>>;
}

export type DatabaseName = 'gateway' | 'inventory' | 'payments';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface System {
  url: string;
  /** Direct addresses of the two services (payments without the gate), e.g. to scrape their /metrics. */
  serviceUrls: { inventory: string; payments: string };
  gatewayDb: GatewayPrisma;
  /** The gateway database's hot-path statements (what the saga writes through). */
  gatewayStatements: Statements;
  inventoryDb: InventoryPrisma;
  paymentsDb: PaymentsPrisma;
  inventory: TRPCClient<InventoryRouter>;
  upstreams: Upstreams;
  gate: GateProxy | undefined;
  edge: Edge | undefined;
  orderCache: OrderCache | undefined;
  /** The TypeScript SDK pointed at this gateway, without automatic repeats unless asked for. */
  sdk(options?: Omit<OrdersClientOptions, 'baseUrl'>): OrdersClient;
  request(
    method: string,
    path: string,
    init?: { body?: string; headers?: Record<string, string> },
  ): Promise<Answer>;
  /** POST /api/orders/ with a JSON body (an object, serialised, or the exact text given). */
  create(body: unknown, headers?: Record<string, string>): Promise<Answer>;
  setStock(sku: string, quantity: number): Promise<void>;
  stock(sku: string): Promise<number>;
  /** Statements and commits each database was sent since the start (or the last reset). */
  queryCounts(): Record<DatabaseName, QueryCounts>;
  resetQueryCounts(): void;
  /** Successful, un-refunded charges in the payments database. */
  authorizedCharges(): Promise<number>;
  stopPayments(): Promise<void>;
  /** Listens again on the port payments had, with the same database. */
  restartPayments(): Promise<void>;
  close(): Promise<void>;
}

const quiet = (service: string) => createLogger({ service, level: 'error' });

/** Inventory, payments and the gateway, each with its own fresh database, on 127.0.0.1 ephemeral ports. */
export async function startSystem(mode: Mode, options: SystemOptions = {}): Promise<System> {
  const counters = {
    gateway: createQueryCounter(),
    inventory: createQueryCounter(),
    payments: createQueryCounter(),
  };
  const inventoryDb = await open(
    mode,
    'inventory',
    inventoryMigrations,
    openInventoryDatabase,
    counters.inventory.wrap,
  );
  const paymentsDb = await open(
    mode,
    'payments',
    paymentsMigrations,
    openPaymentsDatabase,
    counters.payments.wrap,
  );
  const gatewayDb: Opened<GatewayPrisma> = await open(
    mode,
    'gateway',
    gatewayMigrations,
    openGatewayDatabase,
    counters.gateway.wrap,
  );

  const inventoryServer = await listen(
    buildInventoryApp({
      config: { internalToken: options.internalToken, maxBodyBytes: 1024 * 1024 },
      db: inventoryDb.db,
      logger: options.loggers?.inventory ?? quiet('inventory'),
      metrics: createMetrics('inventory'),
    }),
    0,
    '127.0.0.1',
  );
  const paymentsApp = buildPaymentsApp({
    config: {
      internalToken: options.internalToken,
      maxBodyBytes: 1024 * 1024,
      declineAboveCents: DECLINE_ABOVE_CENTS,
    },
    db: paymentsDb.db,
    logger: options.loggers?.payments ?? quiet('payments'),
    metrics: createMetrics('payments'),
  });
  let paymentsServer: RunningServer | undefined = await listen(paymentsApp, 0, '127.0.0.1');
  const paymentsPort = paymentsServer.port;
  const gate = options.gatePayments ? await startGateProxy(paymentsServer.url) : undefined;

  const resilience = resolveResilienceConfig({ ...TEST_RESILIENCE, ...options.resilience });
  const gatewayLogger = options.loggers?.gateway ?? quiet('gateway');
  const edgeConfig = options.edgeEnv ? readEdgeConfig(options.edgeEnv) : undefined;
  const gatewayMetrics = createMetrics('gateway');
  const observed = gatewayMetricsOn(gatewayMetrics.registry);
  const edge = edgeConfig
    ? createEdge(edgeConfig, {
        logger: gatewayLogger,
        onRateLimited: (scope) => observed.rateLimited.inc({ scope }),
      })
    : undefined;
  await edge?.ready();
  const orderCache = options.orderCacheRedisUrl
    ? createOrderCache({ redisUrl: options.orderCacheRedisUrl, logger: gatewayLogger })
    : undefined;
  await orderCache?.ready();
  const upstreams = createUpstreams({
    inventoryBaseUrl: inventoryServer.url,
    paymentsBaseUrl: gate?.url ?? paymentsServer.url,
    internalToken: options.internalToken,
    resilience,
    logger: gatewayLogger,
    metrics: gatewayMetrics,
  });
  const gatewayServer = await listen(
    buildGatewayApp({
      config: {
        maxBodyBytes: 1024 * 1024,
        idempotencyTtlHours: options.idempotencyTtlHours ?? 24,
        leaseMs: options.leaseMs ?? 30_000,
        resilience,
        trustProxy: edgeConfig?.trustProxy,
      },
      db: gatewayDb.db,
      upstreams,
      logger: gatewayLogger,
      metrics: gatewayMetrics,
      edge,
      orderCache,
    }),
    0,
    '127.0.0.1',
  );
  const inventory = createTRPCClient<InventoryRouter>({
    links: [
      httpLink({
        url: `${inventoryServer.url}/trpc`,
        headers: options.internalToken ? { Authorization: `Bearer ${options.internalToken}` } : {},
      }),
    ],
  });

  const request: System['request'] = async (method, path, init = {}) => {
    const response = await fetch(`${gatewayServer.url}${path}`, {
      method,
      headers: init.headers,
      body: init.body,
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };

  return {
    url: gatewayServer.url,
    serviceUrls: { inventory: inventoryServer.url, payments: paymentsServer.url },
    gatewayDb: gatewayDb.db.client,
    gatewayStatements: gatewayDb.db.statements,
    inventoryDb: inventoryDb.db.client,
    paymentsDb: paymentsDb.db.client,
    inventory,
    upstreams,
    gate,
    edge,
    orderCache,
    sdk: (sdkOptions = {}) =>
      createOrdersClient({ retry: { retries: 0 }, ...sdkOptions, baseUrl: gatewayServer.url }),
    request,
    create: (body, headers = {}) =>
      request('POST', '/api/orders/', {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', ...headers },
      }),
    setStock: async (sku, quantity) => {
      await inventory.setStock.mutate({ sku, quantity });
    },
    stock: async (sku) => (await inventory.getStock.query({ sku })).quantity,
    queryCounts: () => ({
      gateway: counters.gateway.counts(),
      inventory: counters.inventory.counts(),
      payments: counters.payments.counts(),
    }),
    resetQueryCounts: () => {
      for (const counter of Object.values(counters)) counter.reset();
    },
    authorizedCharges: () => paymentsDb.db.client.charge.count({ where: { status: 'AUTHORIZED' } }),
    stopPayments: async () => {
      await paymentsServer?.close(0);
      paymentsServer = undefined;
    },
    restartPayments: async () => {
      paymentsServer = await listen(paymentsApp, paymentsPort, '127.0.0.1');
    },
    close: async () => {
      await gatewayServer.close(0);
      await upstreams.shutdown();
      await edge?.close();
      await orderCache?.close();
      await gate?.stop();
      await paymentsServer?.close(0);
      await inventoryServer.close(0);
      await Promise.allSettled([gatewayDb.drop(), paymentsDb.drop(), inventoryDb.drop()]);
    },
  };
}
