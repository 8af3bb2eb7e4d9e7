import { fileURLToPath } from 'node:url';
import { type Database, type OpenDatabaseOptions, openDatabase } from '@oos/db-kit';
import { PrismaClient } from './generated/prisma/client.ts';
import { WARM_UP_SQL } from './warm-up.ts';

export type { Database, DatabaseMode, Statements } from '@oos/db-kit';
export { EMBEDDED_DURABILITY_NOTE } from '@oos/db-kit';
export type { Charge } from './generated/prisma/client.ts';
export { ChargeStatus, Prisma, PrismaClient } from './generated/prisma/client.ts';

export const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));

/** Where the payments database lives (see OpenDatabaseOptions); the service is implied. */
export type OpenPaymentsDatabaseOptions = Omit<OpenDatabaseOptions, 'service'>;

export function openPaymentsDatabase(options: OpenPaymentsDatabaseOptions): Promise<Database<PrismaClient>> {
  return openDatabase(
    { service: 'payments', ...options },
    { migrationsDir, createClient: (adapter) => new PrismaClient({ adapter }), warmUpSql: WARM_UP_SQL },
  );
}
