import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagedProcess } from './process.ts';

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A Redis of its own: no persistence, its own port, stopped and started at will. */
export class RedisServer {
  private readonly process: ManagedProcess;

  constructor(
    readonly port: number,
    logFile: string,
  ) {
    this.process = new ManagedProcess('redis', {
      command: 'redis-server',
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      cwd: process.cwd(),
      env: process.env,
      logFile,
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process.start();
    for (let i = 0; i < 200; i += 1) {
      if (await ping(this.port)) return;
      await sleep(25);
    }
    throw new Error(`redis-server did not answer on port ${this.port}`);
  }

  stop(): Promise<void> {
    return this.process.stop('SIGKILL');
  }

  close(): Promise<void> {
    return this.process.close();
  }
}
