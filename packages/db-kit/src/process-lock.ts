import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';

/** Who holds a lock: the pid, plus (on Linux) what tells that pid apart from a later process given the same one. */
export interface LockOwner {
  pid: number;
  /** `/proc/sys/kernel/random/boot_id`: a pid recorded before a reboot says nothing about the process now. */
  boot?: string;
  /** Field 22 of `/proc/<pid>/stat`, the process's start time: a reused pid has another one. */
  started?: string;
}

export type LockAttempt =
  | { acquired: true; release: () => Promise<void> }
  | { acquired: false; owner: LockOwner };

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function identityOf(pid: number): LockOwner {
  const boot = readProc('/proc/sys/kernel/random/boot_id');
  // The command name (field 2) is in parentheses and may hold spaces, so fields are counted after it.
  const stat = readProc(`/proc/${pid}/stat`);
  const started = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  return {
    pid,
    ...(boot === undefined ? {} : { boot }),
    ...(started === undefined ? {} : { started }),
  };
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}

/** Whether a process with this pid exists (it may be another one than the pid first named, see {@link LockOwner}). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(error) === 'EPERM';
  }
}

function isAlive(owner: LockOwner): boolean {
  if (!pidExists(owner.pid)) return false;
  if (owner.boot === undefined || owner.started === undefined) return true;
  const now = identityOf(owner.pid);
  return now.boot === owner.boot && now.started === owner.started;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const pid: unknown = Reflect.get(value, 'pid');
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null;
    const boot: unknown = Reflect.get(value, 'boot');
    const started: unknown = Reflect.get(value, 'started');
    return {
      pid,
      ...(typeof boot === 'string' ? { boot } : {}),
      ...(typeof started === 'string' ? { started } : {}),
    };
  } catch {
    return null;
  }
}

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

/**
 * Takes the lock file at `path` for this process, unless a live process holds it. A lock left behind by a process
 * that is gone (SIGKILL, a crash, a reboot) is taken over; a file that does not name a process (cut short by a
 * crash while it was written) counts as left behind. Two processes taking over the same stale lock at the same
 * instant could both succeed; the file is re-read just before it is removed, which makes that window tiny, and
 * these locks guard development databases against a second start, not against adversaries.
 */
export async function tryLock(path: string): Promise<LockAttempt> {
  const me = identityOf(process.pid);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        acquired: true,
        release: async () => {
          if (released) return;
          released = true;
          await removeIfPresent(path);
        },
      };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const text = await readIfPresent(path);
    if (text === null) continue;
    const owner = parseOwner(text);
    if (owner !== null && isAlive(owner)) return { acquired: false, owner };
    if ((await readIfPresent(path)) === text) await removeIfPresent(path);
  }
  throw new Error(`could not take the lock ${path}: it keeps changing hands`);
}
