import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/**
 * The schema engine runs each migration through the adapter's `executeScript`, and neither adapter does what
 * the native engine does (send the whole script as one simple query, which PostgreSQL runs atomically):
 * PrismaPg splits the script on every `;` (so a `;` in a comment or a function body breaks it) and runs the
 * pieces on whatever pooled connection is free, outside any transaction; the PGlite adapter does not await
 * `exec`, so a failing migration is recorded as applied. Both are replaced here.
 */
function withWholeScript(
  inner: SqlDriverAdapter,
  runScript: (script: string) => Promise<unknown>,
): SqlDriverAdapter {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query) => inner.queryRaw(query),
    executeRaw: (query) => inner.executeRaw(query),
    startTransaction: (isolationLevel) => inner.startTransaction(isolationLevel),
    getConnectionInfo: () => inner.getConnectionInfo?.() ?? { supportsRelationJoins: true },
    executeScript: async (script) => {
      try {
        await runScript(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
    dispose: () => inner.dispose(),
  };
}

function stringField(source: object, key: string): string | undefined {
  const value: unknown = Reflect.get(source, key);
  return typeof value === 'string' ? value : undefined;
}

/** Gives the engine a PostgreSQL error it can report (code, detail, hint) rather than an opaque JS error. */
function toDriverAdapterError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  return new DriverAdapterError({
    kind: 'postgres',
    code: stringField(error, 'code') ?? 'XX000',
    severity: stringField(error, 'severity') ?? 'ERROR',
    message: error.message,
    detail: stringField(error, 'detail'),
    column: stringField(error, 'column'),
    hint: stringField(error, 'hint'),
  });
}

export interface MigrationAdapter {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Releases every connection the engine opened; freeing the engine does not. */
  release(): Promise<void>;
}

export function postgresMigrationAdapter(url: string): MigrationAdapter {
  const inner = new PrismaPg(
    { connectionString: url, max: 2, connectionTimeoutMillis: 3_000 },
    { onPoolError: () => {} },
  );
  const opened: SqlDriverAdapter[] = [];
  const track = async (connecting: ReturnType<PrismaPg['connect']>): Promise<SqlDriverAdapter> => {
    const adapter = await connecting;
    opened.push(adapter);
    return withWholeScript(adapter, (script) => adapter.underlyingDriver().query(script));
  };
  return {
    factory: {
      provider: 'postgres',
      adapterName: inner.adapterName,
      connect: () => track(inner.connect()),
      connectToShadowDb: () => track(inner.connectToShadowDb()),
    },
    release: async () => {
      // Disposing twice (if the engine already did) only rejects, which is fine to ignore.
      await Promise.allSettled(opened.splice(0).map((adapter) => adapter.dispose()));
    },
  };
}

/** Over an open PGlite; `shadow` supplies the scratch database the engine replays migrations into, if asked. */
export function pgliteMigrationAdapter(main: PGlite, shadow: () => PGlite): MigrationAdapter {
  const connect = async (db: PGlite) =>
    withWholeScript(await new PrismaPGlite(db).connect(), (script) => db.exec(script));
  return {
    factory: {
      provider: 'postgres',
      adapterName: 'pglite',
      connect: () => connect(main),
      connectToShadowDb: () => connect(shadow()),
    },
    release: async () => {},
  };
}
