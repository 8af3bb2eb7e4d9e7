import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process CPU time in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** User and system (kernel) CPU time of a process in milliseconds, from /proc (Linux only); 0 once it is gone. */
export function processCpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      user: (Number(fields[11]) * 1000) / TICKS_PER_SECOND,
      system: (Number(fields[12]) * 1000) / TICKS_PER_SECOND,
    };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** User + system CPU time of a process in milliseconds; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  const { user, system } = processCpuTimes(pid);
  return user + system;
}

/** Every live process whose command name is `name` (e.g. all PostgreSQL backends of the server). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // The process ended while being listed.
    }
  }
  return pids;
}

export type CpuSource = () => number;

/**
 * CPU milliseconds spent by each named source between `start()` and `stop()`. PostgreSQL forks a backend per
 * connection, so its source sums every `postgres` process alive at either reading (backends that come and go
 * during the window are missed, which pooled connections make rare).
 */
export class CpuMeter {
  private started = new Map<string, number>();
  private startedPostgres = new Map<number, number>();

  constructor(
    private readonly sources: Record<string, CpuSource>,
    private readonly includePostgres = true,
  ) {}

  start(): void {
    this.started = new Map(Object.entries(this.sources).map(([name, read]) => [name, read()]));
    this.startedPostgres = this.includePostgres ? this.postgresNow() : new Map();
  }

  stop(): Record<string, number> {
    const spent: Record<string, number> = {};
    for (const [name, read] of Object.entries(this.sources)) {
      spent[name] = read() - (this.started.get(name) ?? 0);
    }
    if (this.includePostgres) {
      let postgres = 0;
      for (const [pid, now] of this.postgresNow()) postgres += now - (this.startedPostgres.get(pid) ?? 0);
      spent.postgres = postgres;
    }
    return spent;
  }

  private postgresNow(): Map<number, number> {
    return new Map(pidsNamed('postgres').map((pid) => [pid, processCpuMs(pid)]));
  }
}
