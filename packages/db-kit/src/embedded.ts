import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';

/**
 * Opens (creating if needed) a PGlite data directory. PGlite reports a damaged directory only as a wasm
 * "Aborted()", so the error is rewritten to say which directory is at fault and what the user can do.
 */
export async function openPgliteDir(dir: string): Promise<PGlite> {
  await mkdir(dir, { recursive: true });
  let db: PGlite | undefined;
  try {
    db = new PGlite(dir);
    await db.waitReady;
    return db;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Could not open the embedded database in ${dir} (${reason}). The directory is damaged, typically by an ` +
        'unclean stop (e.g. "could not locate a valid checkpoint record" or a stale postmaster.pid), or is ' +
        'used by another process. Stop any other process using it; otherwise delete the directory to start ' +
        'fresh (its data is lost) or restore it from a backup.',
      { cause: error },
    );
  }
}
