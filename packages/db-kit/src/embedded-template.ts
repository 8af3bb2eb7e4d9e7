import { createHash, randomBytes } from 'node:crypto';
import { constants, cpSync, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { EMBEDDED_INITDB_PARAMS, EMBEDDED_START_PARAMS, useBaselineWasmCompilerOnly } from './embedded.ts';
import { readMigrationsFolder } from './migrations-folder.ts';
import { applyMigrationListToPglite } from './migrator.ts';
import { pidExists, tryLock } from './process-lock.ts';

/**
 * Embedded databases start as copies of a template instead of running initdb and the schema engine in every new
 * data directory (on this project's 2-core machine initdb alone took 1.5–5 s per database, three at once).
 *
 * - The base template is what initdb makes, once per PGlite version.
 * - A migrations template is the base with one migrations folder applied by Prisma's schema engine, so its
 *   `_prisma_migrations` history is exactly what `prisma migrate deploy` records. It is named by a hash of
 *   everything it was made from (PGlite's version, initdb's options and the start parameters, every migration's
 *   folder name and SQL),
 *   so a changed or added migration gets a new template and an old one is never used for it.
 *
 * Templates are made on first need (and ahead of time by each db package's `db:template` script, which
 * `pnpm install` runs) and are published by an atomic rename, so a half-made template is never seen.
 */

/** Bump when what a template holds changes in a way its hash does not capture. */
const TEMPLATE_FORMAT = 2;
/** A data directory that holds a database: initdb writes this file, and a template is renamed into place whole. */
const DATABASE_MARKER = 'PG_VERSION';
const BASE_LOCK = 'base.lock';
const BASE_WAIT_MS = 180_000;

/** Where templates are kept unless told otherwise: `node_modules/.cache` of the repository, beside the dependencies. */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(
  new URL('../../../node_modules/.cache/oos-embedded-templates', import.meta.url),
);

export function holdsDatabase(dir: string): boolean {
  return existsSync(join(dir, DATABASE_MARKER));
}

async function pgliteVersion(): Promise<string> {
  // The package's exports do not include package.json; its entry point sits in dist/, beside it.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest: unknown = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8'));
  const version: unknown =
    typeof manifest === 'object' && manifest !== null && Reflect.get(manifest, 'version');
  if (typeof version !== 'string') throw new Error(`no version in the package.json of ${entry}`);
  return version;
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 20);
}

/** The name of the template for `migrations`; any change to what goes into the template changes it. */
export async function templateKey(migrations: MigrationList): Promise<string> {
  return hash({
    format: TEMPLATE_FORMAT,
    pglite: await pgliteVersion(),
    startParams: EMBEDDED_START_PARAMS,
    initdb: EMBEDDED_INITDB_PARAMS,
    lockfile: migrations.lockfile.content,
    migrations: migrations.migrationDirectories.map((directory) => [
      directory.path,
      directory.migrationFile.content,
    ]),
  });
}

const SCRATCH = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * Copies a data directory (about a thousand files, 30 MB). Clones where the filesystem can (btrfs, XFS, APFS),
 * copies otherwise. Synchronous: nothing else waits on this process while its database is being created, and
 * `fs.cpSync` was the fastest of Node's ways (the promise-based `fs.cp` took three times as long).
 */
function copyDirectory(from: string, to: string): void {
  cpSync(from, to, { recursive: true, mode: constants.COPYFILE_FICLONE, errorOnExist: true, force: false });
}

function scratchName(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Removes the scratch copies that processes killed while making them left in `parent`. */
async function removeAbandonedScratch(parent: string): Promise<void> {
  const entries = await readdir(parent).catch(() => []);
  await Promise.all(
    entries.map(async (name) => {
      const pid = SCRATCH.exec(name)?.[1];
      if (pid === undefined || pidExists(Number(pid))) return;
      await rm(join(parent, name), { recursive: true, force: true }).catch(() => {});
    }),
  );
}

/**
 * Moves a finished directory to `target`. When another process published the same template first, theirs is kept
 * (it was made from the same inputs) and ours discarded.
 */
async function publish(scratch: string, target: string): Promise<void> {
  try {
    await rename(scratch, target);
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    if (!holdsDatabase(target)) throw error;
  }
}

async function makeBase(target: string): Promise<void> {
  const scratch = scratchName(target);
  try {
    useBaselineWasmCompilerOnly();
    const db = new PGlite(scratch, {
      startParams: [...EMBEDDED_START_PARAMS],
      initDbStartParams: [...EMBEDDED_INITDB_PARAMS],
    });
    await db.waitReady;
    await db.close();
    await publish(scratch, target);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The initdb template. One process makes it while others wait for it, rather than all running initdb at once. */
async function ensureBase(templatesDir: string): Promise<string> {
  const made = { format: TEMPLATE_FORMAT, pglite: await pgliteVersion(), initdb: EMBEDDED_INITDB_PARAMS };
  const target = join(templatesDir, `base-${hash(made)}`);
  const deadline = Date.now() + BASE_WAIT_MS;
  while (!holdsDatabase(target)) {
    const lock = await tryLock(join(templatesDir, BASE_LOCK));
    if (lock.acquired) {
      try {
        if (!holdsDatabase(target)) {
          await makeBase(target);
          await removeOlderTemplates(templatesDir, 'base', target);
        }
      } finally {
        await lock.release();
      }
    } else {
      if (Date.now() > deadline) {
        throw new Error(
          `waited ${BASE_WAIT_MS / 1000} s for process ${lock.owner.pid} to make the embedded database template ` +
            `in ${templatesDir}`,
        );
      }
      await sleep(100);
    }
  }
  return target;
}

async function makeMigrationsTemplate(
  base: string,
  target: string,
  migrations: MigrationList,
): Promise<void> {
  const scratch = scratchName(target);
  try {
    copyDirectory(base, scratch);
    useBaselineWasmCompilerOnly();
    const db = new PGlite(scratch, { startParams: [...EMBEDDED_START_PARAMS] });
    try {
      await db.waitReady;
      await applyMigrationListToPglite(db, migrations);
      await db.query('CHECKPOINT');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Could not apply the migrations of ${migrations.baseDir} to a new embedded database: ${reason}`,
        {
          cause: error,
        },
      );
    } finally {
      await db.close();
    }
    await publish(scratch, target);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Removes the templates of earlier versions of `label`'s migrations (about 30 MB each) and abandoned scratch copies.
 * Scratch copies other processes are still making are left alone.
 */
async function removeOlderTemplates(templatesDir: string, label: string, keep: string): Promise<void> {
  const entries = await readdir(templatesDir).catch(() => []);
  const older = new RegExp(`^${label}-[0-9a-f]{20}$`);
  await Promise.all(
    entries
      .filter((name) => older.test(name) && join(templatesDir, name) !== keep)
      .map((name) => rm(join(templatesDir, name), { recursive: true, force: true }).catch(() => {})),
  );
  await removeAbandonedScratch(templatesDir);
}

export interface TemplateOptions {
  /** Names the template on disk (e.g. the service); templates of other migrations under the same label are removed. */
  label: string;
  migrationsDir: string;
  templatesDir?: string | undefined;
}

/** The path of the template for the current migrations of `migrationsDir`, made first if needed. */
export async function ensureTemplate(options: TemplateOptions): Promise<string> {
  const templatesDir = options.templatesDir ?? DEFAULT_TEMPLATES_DIR;
  const migrations = await readMigrationsFolder(options.migrationsDir);
  const target = join(templatesDir, `${options.label}-${await templateKey(migrations)}`);
  if (holdsDatabase(target)) return target;
  await mkdir(templatesDir, { recursive: true });
  const base = await ensureBase(templatesDir);
  if (!holdsDatabase(target)) await makeMigrationsTemplate(base, target, migrations);
  await removeOlderTemplates(templatesDir, options.label, target);
  return target;
}

/** Creates the data directory `dir` (missing or empty) as a copy of `template`, whole or not at all. */
export async function createFromTemplate(template: string, dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await removeAbandonedScratch(dirname(dir));
  const scratch = scratchName(dir);
  try {
    copyDirectory(template, scratch);
    // Over an empty directory, rename replaces it; if another process created the database meanwhile, theirs stays.
    await publish(scratch, dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
