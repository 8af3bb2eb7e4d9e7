import { type Database, openPaymentsDatabase, type PrismaClient } from '@oos/db-payments';
import { createLogger, createMetrics, listen } from '@oos/service-kit';
import { createTRPCClient, httpLink } from '@trpc/client';
import { buildPaymentsApp } from '../app.ts';
import type { PaymentsRouter } from '../router.ts';
import { type DatabaseMode, type TestDatabase, testDatabase } from './databases.ts';

export type { DatabaseMode } from './databases.ts';

export interface PaymentsOverrides {
  internalToken?: string;
  maxBodyBytes?: number;
  declineAboveCents?: number;
}

export interface RunningPayments {
  url: string;
  db: Database<PrismaClient>;
  /** A typed client for `/trpc`, sending the given Idempotency-Key and bearer token when present. */
  trpc(headers?: {
    idempotencyKey?: string;
    token?: string;
    requestId?: string;
  }): ReturnType<typeof paymentsClient>;
  stop(): Promise<void>;
}

export const DEFAULT_DECLINE_ABOVE_CENTS = 1_000_000;

function paymentsClient(url: string, headers: Record<string, string>) {
  return createTRPCClient<PaymentsRouter>({ links: [httpLink({ url: `${url}/trpc`, headers })] });
}

/** The real app on 127.0.0.1:0 over a fresh database of the given mode. */
export async function startPayments(
  mode: DatabaseMode,
  overrides: PaymentsOverrides = {},
): Promise<RunningPayments> {
  const database: TestDatabase = await testDatabase(mode);
  const db = await openPaymentsDatabase(database.options);
  const app = buildPaymentsApp({
    config: {
      maxBodyBytes: overrides.maxBodyBytes ?? 1024 * 1024,
      internalToken: overrides.internalToken,
      declineAboveCents: overrides.declineAboveCents ?? DEFAULT_DECLINE_ABOVE_CENTS,
    },
    db,
    logger: createLogger({ service: 'payments', level: 'error' }),
    metrics: createMetrics('payments'),
  });
  const running = await listen(app, 0, '127.0.0.1');
  return {
    url: running.url,
    db,
    trpc: ({ idempotencyKey, token, requestId } = {}) => {
      const headers: Record<string, string> = {};
      if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
      if (token !== undefined) headers.Authorization = `Bearer ${token}`;
      if (requestId !== undefined) headers['X-Request-ID'] = requestId;
      return paymentsClient(running.url, headers);
    },
    stop: async () => {
      await running.close(1_000);
      await db.close();
      await database.drop();
    },
  };
}
