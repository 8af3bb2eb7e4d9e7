import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The directory holding initdb/pg_ctl: `pg_config --bindir`, else the newest Debian install. */
export function findPostgresBinDir(): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  } catch {
    // pg_config is in the -dev package; the server binaries may still be installed.
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = path.join(root, version, 'bin');
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

// initdb refuses to run as root: as root the server runs as the `postgres` system user.
function runAsUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid, user: 'postgres' };
}

/**
 * A throwaway PostgreSQL cluster: its own data directory and port, started and stopped by its owner (the chaos
 * run), so restarting it never disturbs the machine's shared server.
 */
export class PostgresServer {
  private constructor(
    private readonly binDir: string,
    readonly dir: string,
    readonly port: number,
    private readonly runAs: RunAs | undefined,
  ) {}

  static async create(binDir: string, port: number): Promise<PostgresServer> {
    const runAs = runAsUser();
    const dir = mkdtempSync(path.join(tmpdir(), 'oos-chaos-pg-'));
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    const server = new PostgresServer(binDir, dir, port, runAs);
    server.run('initdb', ['-D', server.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await server.start();
    return server;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  private run(binary: string, args: string[]): string {
    const full = path.join(this.binDir, binary);
    const [command, commandArgs] = this.runAs
      ? ['runuser', ['-u', this.runAs.user, '--', full, ...args]]
      : [full, args];
    const result = spawnSync(command, commandArgs, { encoding: 'utf8', cwd: this.dir });
    if (result.status !== 0) {
      throw new Error(
        `${binary} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`,
      );
    }
    return result.stdout;
  }

  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // fsync off: nothing here survives an OS crash anyway, and an immediate stop (a server crash) loses no
    // committed transaction without it, because the WAL still reaches the kernel on every commit.
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.dir}`,
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    this.run('pg_ctl', [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'log'),
      '-o',
      options,
    ]);
  }

  /** `immediate` is a crash as far as clients see it: every connection drops, recovery runs on the next start. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run('pg_ctl', ['stop', '-w', '-t', '60', '-D', this.dataDir, '-m', mode]);
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
