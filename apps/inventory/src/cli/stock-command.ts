import { skuSchema, stockQuantitySchema } from '@oos/contracts';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:9001';

export const USAGE = `usage: stock set <SKU> <QUANTITY>
       stock get <SKU>
Talks to the running inventory service at INVENTORY_BASE_URL (default ${DEFAULT_BASE_URL}),
sending INTERNAL_API_TOKEN as a bearer token when it is set.`;

export interface StockCommandIo {
  env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
}

type Request = { method: 'GET' } | { method: 'PUT'; quantity: number };

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): { sku: string; request: Request } {
  const [command, rawSku, rawQuantity, ...extra] = argv;
  if (command === undefined) throw new UsageError('missing command');
  if (command !== 'set' && command !== 'get') throw new UsageError(`unknown command "${command}"`);
  const expected = command === 'set' ? 2 : 1;
  const given = [rawSku, rawQuantity, ...extra].filter((arg) => arg !== undefined).length;
  if (given !== expected) throw new UsageError(`"${command}" takes ${expected} argument(s), got ${given}`);
  const sku = skuSchema.safeParse(rawSku);
  if (!sku.success) throw new UsageError(`SKU: ${sku.error.issues[0]?.message ?? 'invalid'}`);
  if (command === 'get') return { sku: sku.data, request: { method: 'GET' } };
  // Number('') is 0 and Number('1e3') is 1000: only plain digits are a quantity.
  const quantity = /^\d+$/.test(rawQuantity ?? '')
    ? stockQuantitySchema.safeParse(Number(rawQuantity))
    : undefined;
  if (!quantity?.success) {
    throw new UsageError(`QUANTITY must be an integer from 0 to 2147483647, got "${rawQuantity ?? ''}"`);
  }
  return { sku: sku.data, request: { method: 'PUT', quantity: quantity.data } };
}

/** `stock set|get` over the service's REST routes; returns the process exit code. */
export async function runStockCommand(argv: readonly string[], io: StockCommandIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`stock: ${error.message}\n${USAGE}`);
    return 1;
  }
  const baseUrl = (io.env.INVENTORY_BASE_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  const token = io.env.INTERNAL_API_TOKEN?.trim();
  if (token) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method: parsed.request.method, headers };
  if (parsed.request.method === 'PUT') {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify({ quantity: parsed.request.quantity });
  }
  const url = `${baseUrl}/stock/${encodeURIComponent(parsed.sku)}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const reason =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    io.err(`stock: cannot reach the inventory service at ${baseUrl} (${reason}); is it running?`);
    return 1;
  }
  const text = await response.text();
  if (!response.ok) {
    io.err(`stock: the inventory service answered ${response.status}: ${text}`);
    return 1;
  }
  io.out(text);
  return 0;
}
