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
export { EMBEDDED_DURABILITY_NOTE, openPgliteDir } from './embedded.ts';
export { DEFAULT_TEMPLATES_DIR, ensureTemplate as ensureEmbeddedTemplate } from './embedded-template.ts';
export { readMigrationsFolder, writeMigration } from './migrations-folder.ts';
export { deployMigrationsToPglite, deployMigrationsToUrl, diffSchemaAgainstMigrations } from './migrator.ts';
export { createQueryCounter, type QueryCounter, type QueryCounts } from './query-counter.ts';
export type { SqlRow, SqlStatement, Statements } from './statements.ts';
