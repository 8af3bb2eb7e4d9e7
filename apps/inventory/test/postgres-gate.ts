import { postgresForTests } from '@oos/db-kit/testing';

// Throws under CI when PostgreSQL is unreachable; warns loudly and lets the suites skip it locally.
const { available } = await postgresForTests();

/** The database modes the functional suites run against: embedded always, PostgreSQL when reachable. */
export const DATABASE_KINDS = available ? (['embedded', 'postgres'] as const) : (['embedded'] as const);
