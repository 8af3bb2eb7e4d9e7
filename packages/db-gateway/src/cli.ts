import { runMigrationCli } from '@oos/db-kit';
import { migrationsDir, schemaPath } from './index.ts';

process.exitCode = await runMigrationCli({
  service: 'gateway',
  migrationsDir,
  schemaPath,
  argv: process.argv.slice(2),
});
