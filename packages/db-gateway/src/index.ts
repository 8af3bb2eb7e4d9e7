import { fileURLToPath } from 'node:url';
import { type Database, type OpenDatabaseOptions, openDatabase } from '@oos/db-kit';
import { PrismaClient } from './generated/prisma/client.ts';
import { WARM_UP_SQL } from './warm-up.ts';

export type { Database, DatabaseMode, Statements } from '@oos/db-kit';
export { EMBEDDED_DURABILITY_NOTE } from '@oos/db-kit';
export type { IdempotencyKey, Order, OrderItem } from './generated/prisma/client.ts';
export { OrderStatus, Prisma, PrismaClient } from './generated/prisma/client.ts';

export const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));

/** Where the gateway database lives (see OpenDatabaseOptions); the service is implied. */
export type OpenGatewayDatabaseOptions = Omit<OpenDatabaseOptions, 'service'>;

export function openGatewayDatabase(options: OpenGatewayDatabaseOptions): Promise<Database<PrismaClient>> {
  return openDatabase(
    { service: 'gateway', ...options },
    { migrationsDir, createClient: (adapter) => new PrismaClient({ adapter }), warmUpSql: WARM_UP_SQL },
  );
}
