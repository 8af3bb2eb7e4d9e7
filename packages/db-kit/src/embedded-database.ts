import { mkdir, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { openPgliteDir, warmUp } from './embedded.ts';
import { createFromTemplate, ensureTemplate, holdsDatabase } from './embedded-template.ts';
import { deployMigrationsToPglite } from './migrator.ts';
import { tryLock } from './process-lock.ts';

/** Beside the data directory rather than in it, so it is taken before the directory exists. */
export function lockFileOf(dir: string): string {
  return `${dir}.lock`;
}

export interface OpenEmbeddedOptions {
  /** The data directory: created from the template when missing or empty. */
  dir: string;
  /** Names the template (the service). */
  label: string;
  migrationsDir: string;
  /** Where templates are kept; defaults to the repository's `node_modules/.cache`. */
  templatesDir?: string | undefined;
}

export interface OpenedEmbedded {
  pglite: PGlite;
  /** Closes PGlite, then gives the data directory up for the next process. */
  close(): Promise<void>;
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/** Templates cannot be kept (e.g. a read-only `node_modules`): the database is then made in place, more slowly. */
function templatesUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR';
}

async function createDatabase(options: OpenEmbeddedOptions): Promise<void> {
  let template: string;
  try {
    template = await ensureTemplate(options);
  } catch (error) {
    // openPgliteDir then runs initdb in the directory and the schema engine applies every migration.
    if (templatesUnavailable(error)) return;
    throw error;
  }
  await createFromTemplate(template, options.dir);
}

/**
 * Opens the embedded database in `dir`, brought up to date with the migrations:
 * - a missing or empty directory becomes a copy of the migrations template (no initdb, no schema engine);
 * - an existing database gets what is pending applied by the schema engine, as `prisma migrate deploy` would;
 * - a directory that holds other files is refused rather than written into;
 * - one process at a time: a lock file beside it says which holds the directory (PostgreSQL's own `postmaster.pid`
 *   cannot tell, every PGlite process writes the same pid into it), and a lock left by a killed process is taken
 *   over (as is the `postmaster.pid` it left, by PGlite).
 */
export async function openEmbeddedDatabase(options: OpenEmbeddedOptions): Promise<OpenedEmbedded> {
  const { dir } = options;
  await mkdir(dirname(dir), { recursive: true });
  const lock = await tryLock(lockFileOf(dir));
  if (!lock.acquired) {
    throw new Error(
      `The embedded database in ${dir} is in use by process ${lock.owner.pid} (another instance of this service?). ` +
        'Stop that process, or set DATA_DIR to another folder for this one.',
    );
  }
  try {
    const pglite = await openHeld(options);
    return {
      pglite,
      close: async () => {
        try {
          await pglite.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function openHeld(options: OpenEmbeddedOptions): Promise<PGlite> {
  const { dir } = options;
  const entries = await entriesOf(dir);
  if (entries === null || entries.length === 0) {
    await createDatabase(options);
  } else if (!holdsDatabase(dir)) {
    throw new Error(
      `${dir} is not empty and holds no embedded database (no PG_VERSION): it is not used, so as not to write ` +
        'into files that are not the database. Move it away or delete it, or set DATA_DIR to another folder.',
    );
  }
  const pglite = await openPgliteDir(dir);
  try {
    await deployMigrationsToPglite(pglite, options.migrationsDir);
  } catch (error) {
    await pglite.close();
    throw new Error(
      `Could not apply the ${options.label} migrations to the embedded database in ${dir}: ${reasonOf(error)}`,
      { cause: error },
    );
  }
  try {
    await warmUp(pglite);
  } catch (error) {
    await pglite.close();
    throw error;
  }
  return pglite;
}
