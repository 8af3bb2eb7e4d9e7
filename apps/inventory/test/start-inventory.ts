import type { Database, PrismaClient } from '@oos/db-inventory';
import { createLogger, createMetrics, listen } from '@oos/service-kit';
import { createTRPCClient, httpLink } from '@trpc/client';
import { buildInventoryApp } from '../src/app.ts';
import type { InventoryRouter } from '../src/router.ts';

export interface StartOptions {
  db: Database<PrismaClient>;
  internalToken?: string;
  maxBodyBytes?: number;
}

export interface RunningInventory {
  url: string;
  client: ReturnType<typeof inventoryClient>;
  close(): Promise<void>;
}

export function inventoryClient(url: string, token?: string) {
  return createTRPCClient<InventoryRouter>({
    links: [
      httpLink({
        url: `${url}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

/** The real app on 127.0.0.1 and an ephemeral port, as main.ts builds it. */
export async function startInventory(options: StartOptions): Promise<RunningInventory> {
  const app = buildInventoryApp({
    config: { internalToken: options.internalToken, maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024 },
    db: options.db,
    logger: createLogger({ service: 'inventory', level: 'error' }),
    metrics: createMetrics('inventory'),
  });
  const running = await listen(app, 0, '127.0.0.1');
  return {
    url: running.url,
    client: inventoryClient(running.url, options.internalToken),
    close: () => running.close(1000),
  };
}
