import { fileURLToPath } from 'node:url';
import { type Database, type OpenDatabaseOptions, openDatabase } from '@oos/db-kit';
import { PrismaClient } from './generated/prisma/client.ts';
import { WARM_UP_SQL } from './warm-up.ts';

export type { Database, DatabaseMode, Statements } from '@oos/db-kit';
export { EMBEDDED_DURABILITY_NOTE } from '@oos/db-kit';
export type { Reservation, ReservationLine, Stock } from './generated/prisma/client.ts';
export { Prisma, PrismaClient, ReservationStatus } from './generated/prisma/client.ts';

export const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));

/** Where the inventory database lives (see OpenDatabaseOptions); the service is implied. */
export type OpenInventoryDatabaseOptions = Omit<OpenDatabaseOptions, 'service'>;

export function openInventoryDatabase(
  options: OpenInventoryDatabaseOptions,
): Promise<Database<PrismaClient>> {
  return openDatabase(
    { service: 'inventory', ...options },
    { migrationsDir, createClient: (adapter) => new PrismaClient({ adapter }), warmUpSql: WARM_UP_SQL },
  );
}
