import type {
  ArgScalarType,
  ArgType,
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
} from '@prisma/driver-adapter-utils';

/** A statement with PostgreSQL's `$1…` placeholders and their values: what `Prisma.sql` builds (`text`, `values`). */
export interface SqlStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** A result row by column name, with the values the driver adapter gives: text, numbers, booleans, arrays. */
export type SqlRow = Record<string, unknown>;

/**
 * The hot path's statements, sent straight to the driver adapter the PrismaClient uses (same pool or PGlite
 * instance, same counting in tests). A raw query through the client first serialises its parameters to JSON and
 * back, plans the call in the query interpreter and maps every value by column type: about 100 µs of CPU per
 * statement, a quarter of an inventory call (docs/BENCHMARKS.md). Callers validate the rows (zod) as they would
 * Prisma's; a JSON column arrives as text, a bigint as a string.
 */
export interface Statements {
  rows(statement: SqlStatement): Promise<SqlRow[]>;
}

// The argument types Prisma's own raw queries send (numbers as decimal, lists by their first element): the
// adapters convert only dates and bytes by type, which the hot statements do not pass.
function scalarTypeOf(value: unknown): ArgScalarType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'decimal';
  return 'unknown';
}

function argTypeOf(value: unknown): ArgType {
  if (Array.isArray(value)) return { scalarType: scalarTypeOf(value[0]), arity: 'list' };
  return { scalarType: scalarTypeOf(value), arity: 'scalar' };
}

/**
 * Names for the hot statements, by text, for the pg adapter's `statementNameGenerator`: pg then prepares each one
 * once per connection and afterwards sends only Bind/Execute, so PostgreSQL neither parses nor plans it again per
 * order (an unnamed statement is both, every time). Only texts that {@link Statements} sent get a name: the set is
 * the hot path's few fixed texts, never Prisma's generated ones (whose variety would grow every connection's
 * cache of prepared statements without bound).
 */
export interface PreparedNames {
  /** The name `query` is prepared under, or '' to send it unnamed (pg treats an empty name as none). */
  nameOf(query: SqlQuery): string;
  /** Marks a hot statement's text as one to prepare. */
  register(text: string): void;
}

/**
 * The hot path has a handful of texts; a caller that one day builds its text per call (an IN list, say) gets the
 * first few prepared and the rest sent unnamed, instead of a prepared statement per variant on every connection.
 */
export const MAX_PREPARED_STATEMENTS = 32;

export function preparedNames(): PreparedNames {
  const names = new Map<string, string>();
  return {
    nameOf: (query) => names.get(query.sql) ?? '',
    register(text) {
      if (names.has(text) || names.size >= MAX_PREPARED_STATEMENTS) return;
      names.set(text, `oos_hot_${names.size + 1}`);
    },
  };
}

function statementsOver(connect: () => Promise<SqlDriverAdapter>, prepared?: PreparedNames): Statements {
  return {
    async rows(statement) {
      const adapter = await connect();
      prepared?.register(statement.text);
      const result = await adapter.queryRaw({
        sql: statement.text,
        args: [...statement.values],
        argTypes: statement.values.map(argTypeOf),
      });
      return result.rows.map((values) => {
        const row: SqlRow = {};
        result.columnNames.forEach((name, index) => {
          row[name] = values[index];
        });
        return row;
      });
    },
  };
}

/**
 * One connection of `factory` shared by the PrismaClient (which connects through the returned factory and disposes
 * the connection at `$disconnect`) and the {@link Statements}: one pool, not two.
 */
export function shareConnection(
  factory: SqlDriverAdapterFactory,
  prepared?: PreparedNames,
): {
  factory: SqlDriverAdapterFactory;
  statements: Statements;
} {
  let connecting: Promise<SqlDriverAdapter> | undefined;
  const connect = () => {
    connecting ??= factory.connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  };
  return {
    factory: { provider: factory.provider, adapterName: factory.adapterName, connect },
    statements: statementsOver(connect, prepared),
  };
}
