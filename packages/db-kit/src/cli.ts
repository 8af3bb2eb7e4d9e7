import { relative } from 'node:path';
import type { ServiceName } from './database.ts';
import { ensureTemplate } from './embedded-template.ts';
import { writeMigration } from './migrations-folder.ts';
import { deployMigrationsToUrl, diffSchemaAgainstMigrations } from './migrator.ts';

export interface MigrationCliOptions {
  service: ServiceName;
  /** Absolute path of the package's `prisma/migrations`. */
  migrationsDir: string;
  /** Absolute path of the package's `prisma/schema.prisma`. */
  schemaPath: string;
  /** Arguments after the script name: `deploy`, `new <name>` or `template`. */
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export function databaseUrlVariable(service: ServiceName): string {
  return `${service.toUpperCase()}_DATABASE_URL`;
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The shared implementation of each db package's `src/cli.ts`. Only the prefixed variable
 * (`INVENTORY_DATABASE_URL`, ...) is read, so a stray `DATABASE_URL` in the shell cannot migrate the wrong
 * database. Returns the process exit code.
 */
export async function runMigrationCli(options: MigrationCliOptions): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  const [command, ...rest] = options.argv;

  if (command === 'deploy') {
    const variable = databaseUrlVariable(options.service);
    const url = env[variable]?.trim();
    if (url === undefined || url === '') {
      out(`skipped: ${variable} not set`);
      return 0;
    }
    try {
      const applied = await deployMigrationsToUrl(url, options.migrationsDir);
      if (applied.length === 0) out(`${options.service}: no pending migrations`);
      for (const name of applied) out(`${options.service}: applied ${name}`);
      return 0;
    } catch (error) {
      err(`${options.service}: migrate deploy to ${redactUrl(url)} (${variable}) failed: ${reasonOf(error)}`);
      return 1;
    }
  }

  if (command === 'new') {
    const name = rest.join('_');
    if (name === '') {
      err('usage: new <migration_name>');
      return 2;
    }
    try {
      const script = await diffSchemaAgainstMigrations(options.schemaPath, options.migrationsDir);
      if (script === null) {
        out(`${options.service}: no schema changes`);
        return 0;
      }
      const folder = await writeMigration(options.migrationsDir, name, script);
      out(
        `${options.service}: created ${relative(process.cwd(), options.migrationsDir)}/${folder}/migration.sql`,
      );
      return 0;
    } catch (error) {
      err(`${options.service}: creating the migration failed: ${reasonOf(error)}`);
      return 1;
    }
  }

  if (command === 'template') {
    // What a new embedded database is copied from (see embedded-template.ts); `pnpm install` makes it ahead.
    try {
      const started = performance.now();
      const template = await ensureTemplate({ label: options.service, migrationsDir: options.migrationsDir });
      out(
        `${options.service}: embedded database template ${relative(process.cwd(), template)} ` +
          `(${Math.round(performance.now() - started)} ms)`,
      );
      return 0;
    } catch (error) {
      err(`${options.service}: making the embedded database template failed: ${reasonOf(error)}`);
      return 1;
    }
  }

  err('usage: deploy | new <migration_name> | template');
  return 2;
}
