/**
 * Prisma's codes for "the database cannot be reached right now" (connection refused, closed, timed out, pool
 * exhausted): a transient outage the caller should retry, not a bug of ours, so it answers 503, never 500.
 */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The driver adapter's kinds for the same, from statements sent to it directly (db-kit statements.ts). */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|Connection terminated|Can't reach database server|timeout exceeded when trying to connect/i;

function adapterKindOf(error: Error): unknown {
  if (error.name !== 'DriverAdapterError') return undefined;
  const cause: unknown = error.cause;
  return typeof cause === 'object' && cause !== null ? Reflect.get(cause, 'kind') : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = Reflect.get(current, 'code');
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    const kind = adapterKindOf(current);
    if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
    if (current.name === 'PrismaClientInitializationError' || UNAVAILABLE_MESSAGE.test(current.message))
      return true;
    current = current.cause;
  }
  return false;
}
