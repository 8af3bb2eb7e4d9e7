import { mkdir } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';

/** What an embedded app says at start, so nobody mistakes the embedded database for a durable one. */
export const EMBEDDED_DURABILITY_NOTE =
  'embedded database: for development; survives a process crash, not a power loss; use PostgreSQL in production';

/**
 * PostgreSQL's buffer pool inside PGlite. PGlite keeps initdb's 128 MB, which its WebAssembly memory zeroes (and so
 * keeps resident) at every start: each MB is a MB of RSS. 4 MB holds these databases several times over (pages not
 * in it are read back from the OS's cache; 200 000 rows loaded and aggregated fine with 2 MB); against 128 MB it made
 * an app's RSS about 125 MiB smaller and its database open about 200 ms faster. A 1 MB pool hung PGlite at start.
 */
const SHARED_BUFFERS = '4MB';

/**
 * PGlite's `-F` (fsync off) stays, and its Node filesystem never syncs either (electric-sql/pglite#1107): every
 * write reaches the OS before a commit returns, so a killed process loses nothing, but a power loss or an OS crash
 * can. That is what {@link EMBEDDED_DURABILITY_NOTE} tells the user.
 */
export const EMBEDDED_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  '-c',
  `shared_buffers=${SHARED_BUFFERS}`,
];

/**
 * initdb's options for new embedded databases: 1 MB WAL segments instead of 16 MB, so a new database (a copy of the
 * template, see embedded-template.ts) is 29 MB rather than 39 MB to write; most of a fresh 16 MB segment is zeros.
 */
export const EMBEDDED_INITDB_PARAMS: readonly string[] = ['--wal-segsize=1'];

let liftoffOnly = false;

/**
 * Runs WebAssembly through V8's baseline compiler only. PGlite's 9 MB module otherwise gets re-compiled by the
 * optimising compiler on background threads while the app starts: on two cores that competed with start-up, and the
 * compiler's memory stayed with the process (about 50 MiB of RSS). Queries on these small databases ran as fast or
 * faster without it. The flag is process-wide and applies to modules compiled after it is set, so the app launcher
 * (`tooling/scripts/start-app.mjs`) sets it before anything loads; this covers every other way an embedded
 * database is opened.
 */
export function useBaselineWasmCompilerOnly(): void {
  if (liftoffOnly) return;
  setFlagsFromString('--liftoff-only');
  liftoffOnly = true;
}

/**
 * Statements of the kinds an order's saga runs (insert on conflict, update returning, select for update, delete,
 * in one transaction), on a temporary table and rolled back, so nothing is left. PGlite compiles each WebAssembly
 * function the first time it runs and PostgreSQL fills its caches on first use: run once at open, this took about
 * 30 ms and made the first transaction after a start take 6 ms instead of 20–27 (and the first order about 50 ms
 * faster on the loaded 2-core machine). The rolled-back CREATE leaves a few dead catalog rows per start.
 */
const WARM_UP = `BEGIN;
CREATE TEMP TABLE oos_warm_up (id text PRIMARY KEY, n integer NOT NULL, at timestamp(3) NOT NULL DEFAULT now());
INSERT INTO oos_warm_up (id, n) VALUES ('a', 1), ('b', 2) ON CONFLICT (id) DO NOTHING;
UPDATE oos_warm_up SET n = n + 1 WHERE id = 'a' AND n >= 1 RETURNING *;
SELECT * FROM oos_warm_up WHERE id = 'b' FOR UPDATE;
DELETE FROM oos_warm_up WHERE id = 'b';
ROLLBACK;`;

export async function warmUp(db: PGlite): Promise<void> {
  await db.exec(WARM_UP);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens (creating if needed) a PGlite data directory. PGlite reports a damaged directory only as a wasm
 * "Aborted()", so the error is rewritten to say which directory is at fault and what the user can do.
 */
export async function openPgliteDir(dir: string): Promise<PGlite> {
  await mkdir(dir, { recursive: true });
  useBaselineWasmCompilerOnly();
  try {
    const db = new PGlite(dir, {
      startParams: [...EMBEDDED_START_PARAMS],
      initDbStartParams: [...EMBEDDED_INITDB_PARAMS],
    });
    await db.waitReady;
    return db;
  } catch (error) {
    throw new Error(
      `Could not open the embedded database in ${dir} (${reasonOf(error)}). The directory is damaged, typically ` +
        'by an unclean stop of the machine (a power loss or an OS crash: the embedded database does not sync to ' +
        'disk) or by a file changed by hand: delete the directory to start fresh (its data is lost) or restore it ' +
        'from a backup.',
      { cause: error },
    );
  }
}
