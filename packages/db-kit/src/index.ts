export {
  databaseUrlVariable,
  type MigrationCliOptions,
  redactUrl,
  runMigrationCli,
} from './cli.ts';
export {
  type Database,
  type DatabaseMode,
  type DatabaseSetup,
  embeddedDataDir,
  type OpenDatabaseOptions,
  openDatabase,
  type PrismaClientLike,
  type ServiceName,
} from './database.ts';
export { openPgliteDir } from './embedded.ts';
export { readMigrationsFolder, writeMigration } from './migrations-folder.ts';
export { deployMigrationsToPglite, deployMigrationsToUrl, diffSchemaAgainstMigrations } from './migrator.ts';
export { createQueryCounter, type QueryCounter, type QueryCounts } from './query-counter.ts';
