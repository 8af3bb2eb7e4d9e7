import type {
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  SqlResultSet,
  Transaction,
} from '@prisma/driver-adapter-utils';

/** What a database was asked to do, as the driver adapter sends it. */
export interface QueryCounts {
  /** Round trips: every statement, plus BEGIN and COMMIT/ROLLBACK of each interactive transaction. */
  statements: number;
  /** Transactions committed: a statement outside a transaction commits on its own. */
  commits: number;
}

export interface QueryCounter {
  /** Wraps a driver adapter factory so that everything sent through it is counted. */
  wrap(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory;
  counts(): QueryCounts;
  reset(): void;
}

/**
 * Counts the statements and commits a PrismaClient sends, at the driver adapter (the one place every query passes:
 * model queries, raw queries and interactive transactions alike). Tests use it to pin how many round trips and
 * commits an operation costs, so a change that adds one fails a test instead of showing up as a slower bench.
 */
export function createQueryCounter(): QueryCounter {
  const counts: QueryCounts = { statements: 0, commits: 0 };
  const statement = (committed: boolean) => {
    counts.statements += 1;
    if (committed) counts.commits += 1;
  };

  const countedTransaction = (inner: Transaction): Transaction => ({
    provider: inner.provider,
    adapterName: inner.adapterName,
    options: inner.options,
    queryRaw: (query: SqlQuery): Promise<SqlResultSet> => {
      statement(false);
      return inner.queryRaw(query);
    },
    executeRaw: (query: SqlQuery): Promise<number> => {
      statement(false);
      return inner.executeRaw(query);
    },
    commit: () => {
      statement(true);
      return inner.commit();
    },
    rollback: () => {
      statement(false);
      return inner.rollback();
    },
    ...(inner.createSavepoint && {
      createSavepoint: (name: string) => {
        statement(false);
        return inner.createSavepoint?.(name) ?? Promise.resolve();
      },
    }),
    ...(inner.rollbackToSavepoint && {
      rollbackToSavepoint: (name: string) => {
        statement(false);
        return inner.rollbackToSavepoint?.(name) ?? Promise.resolve();
      },
    }),
    ...(inner.releaseSavepoint && {
      releaseSavepoint: (name: string) => {
        statement(false);
        return inner.releaseSavepoint?.(name) ?? Promise.resolve();
      },
    }),
  });

  const countedAdapter = (inner: SqlDriverAdapter): SqlDriverAdapter => ({
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query) => {
      statement(true);
      return inner.queryRaw(query);
    },
    executeRaw: (query) => {
      statement(true);
      return inner.executeRaw(query);
    },
    executeScript: (script) => {
      statement(true);
      return inner.executeScript(script);
    },
    startTransaction: async (isolationLevel) => {
      statement(false);
      return countedTransaction(await inner.startTransaction(isolationLevel));
    },
    getConnectionInfo: () => inner.getConnectionInfo?.() ?? { supportsRelationJoins: true },
    dispose: () => inner.dispose(),
  });

  return {
    wrap: (factory) => ({
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => countedAdapter(await factory.connect()),
    }),
    counts: () => ({ ...counts }),
    reset: () => {
      counts.statements = 0;
      counts.commits = 0;
    },
  };
}
