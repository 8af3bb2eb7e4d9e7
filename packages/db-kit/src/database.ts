import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { openEmbeddedDatabase } from './embedded-database.ts';
import { type PreparedNames, preparedNames, type Statements, shareConnection } from './statements.ts';

export type DatabaseMode = 'postgres' | 'embedded';
export type ServiceName = 'gateway' | 'inventory' | 'payments';

export interface OpenDatabaseOptions {
  service: ServiceName;
  /** PostgreSQL connection string; unset (or empty) selects the embedded PGlite database. */
  url?: string | undefined;
  /** Parent of the embedded data directories: the service's data lives in `<dataDir>/<service>`. */
  dataDir: string;
  /** Pool size in PostgreSQL mode (default 10). */
  poolMax?: number | undefined;
  /** Called when an idle pooled connection fails (e.g. PostgreSQL restarted); defaults to ignoring it. */
  onPoolError?: ((error: Error) => void) | undefined;
  /** Wraps the driver adapter the client gets, e.g. a QueryCounter's `wrap` in tests. */
  wrapAdapter?: ((factory: SqlDriverAdapterFactory) => SqlDriverAdapterFactory) | undefined;
}

/** What db-kit needs from a generated PrismaClient. */
export interface PrismaClientLike {
  $disconnect(): Promise<void>;
  $queryRawUnsafe(query: string): PromiseLike<unknown>;
}

export interface DatabaseSetup<Client extends PrismaClientLike> {
  /** Absolute path of the package's `prisma/migrations`, applied on open in embedded mode. */
  migrationsDir: string;
  /** Usually `(adapter) => new PrismaClient({ adapter })` with the package's generated client. */
  createClient(adapter: SqlDriverAdapterFactory): Client;
  /**
   * Embedded mode: statements that run the database's hot functions once at open, in a transaction that is rolled
   * back (so nothing is left). PGlite compiles each PL/pgSQL function and plans its statements the first time it
   * runs, which otherwise lands on the first order a new user sends.
   */
  warmUpSql?: string;
}

export interface Database<Client> {
  client: Client;
  /** The hot path's statements, on the client's own connection without its query pipeline (statements.ts). */
  statements: Statements;
  mode: DatabaseMode;
  /** Resolves once the database answered `SELECT 1`. */
  ping(): Promise<void>;
  /** Disconnects Prisma and releases the pool or the PGlite instance; idempotent. */
  close(): Promise<void>;
}

const DEFAULT_POOL_MAX = 10;
// pg waits forever for a connection by default, which turns an unreachable server into hung requests.
const CONNECT_TIMEOUT_MS = 10_000;

export function embeddedDataDir(dataDir: string, service: ServiceName): string {
  return join(dataDir, service);
}

/**
 * With a URL, a PrismaClient over a pg pool (migrations are not applied: production runs `pnpm db:migrate`).
 * Without one, an in-process PGlite under `<dataDir>/<service>`, brought up to date with the migrations.
 */
export async function openDatabase<Client extends PrismaClientLike>(
  options: OpenDatabaseOptions,
  setup: DatabaseSetup<Client>,
): Promise<Database<Client>> {
  const url = options.url?.trim();
  if (url !== undefined && url !== '') return openPostgres(url, options, setup);
  return openEmbedded(options, setup);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function once(run: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= run();
    return closing;
  };
}

/** The client over `adapter` (wrapped as the options say) and the hot-path statements on its one connection. */
function connectClient<Client extends PrismaClientLike>(
  adapter: SqlDriverAdapterFactory,
  options: OpenDatabaseOptions,
  setup: DatabaseSetup<Client>,
  prepared?: PreparedNames,
): { client: Client; statements: Statements } {
  const shared = shareConnection(options.wrapAdapter?.(adapter) ?? adapter, prepared);
  return { client: setup.createClient(shared.factory), statements: shared.statements };
}

function openPostgres<Client extends PrismaClientLike>(
  url: string,
  options: OpenDatabaseOptions,
  setup: DatabaseSetup<Client>,
): Database<Client> {
  // PrismaPg owns the pool (so $disconnect ends it) and listens for idle-connection errors, which would
  // otherwise crash the process; the pool replaces such a connection by itself.
  const prepared = preparedNames();
  const adapter = new PrismaPg(
    {
      connectionString: url,
      max: options.poolMax ?? DEFAULT_POOL_MAX,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    },
    { onPoolError: options.onPoolError ?? (() => {}), statementNameGenerator: prepared.nameOf },
  );
  const { client, statements } = connectClient(adapter, options, setup, prepared);
  return {
    client,
    statements,
    mode: 'postgres',
    ping: async () => {
      await client.$queryRawUnsafe('SELECT 1');
    },
    // Ends the pool too: an open pool keeps a CLI alive for its idle timeout.
    close: once(() => client.$disconnect()),
  };
}

async function openEmbedded<Client extends PrismaClientLike>(
  options: OpenDatabaseOptions,
  setup: DatabaseSetup<Client>,
): Promise<Database<Client>> {
  const embedded = await openEmbeddedDatabase({
    dir: embeddedDataDir(options.dataDir, options.service),
    label: options.service,
    migrationsDir: setup.migrationsDir,
  });
  if (setup.warmUpSql !== undefined) {
    try {
      await embedded.pglite.exec(setup.warmUpSql);
    } catch (error) {
      await embedded.close();
      throw new Error(`The ${options.service} warm-up statements failed: ${reasonOf(error)}`, {
        cause: error,
      });
    }
  }
  const adapter = new PrismaPGlite(embedded.pglite);
  const { client, statements } = connectClient(adapter, options, setup);
  return {
    client,
    statements,
    mode: 'embedded',
    ping: async () => {
      await client.$queryRawUnsafe('SELECT 1');
    },
    close: once(async () => {
      try {
        await client.$disconnect();
      } finally {
        await embedded.close();
      }
    }),
  };
}
