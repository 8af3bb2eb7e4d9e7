import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion with exactly `env` (plus PATH/HOME), collecting stdout and stderr together. */
export async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<RunResult> {
  const child = spawn(command, args, { cwd, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = await once(child, 'exit');
  return { code: typeof code === 'number' ? code : null, output };
}

/** Only what any process needs to find its tools: the app sees the environment under test and nothing else. */
function baseEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...env };
}

export { freePort } from '@oos/db-kit/free-port';

export interface RunningApp {
  name: string;
  url: string;
  output(): string;
  stop(): Promise<void>;
  /** Sends `signal` (SIGKILL: no shutdown code runs) and resolves with the signal the process died of. */
  kill(signal: NodeJS.Signals): Promise<NodeJS.Signals | null>;
}

/** Starts `node dist/main.js` in `cwd` and resolves once `GET /health` answers 200. */
export async function startApp(
  name: string,
  cwd: string,
  url: string,
  env: Record<string, string>,
): Promise<RunningApp> {
  const child: ChildProcess = spawn('node', ['dist/main.js'], {
    cwd,
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<NodeJS.Signals | null>((resolve) => {
    child.once('exit', (_code, signal) => {
      exited = true;
      resolve(signal);
    });
  });
  const app: RunningApp = {
    name,
    url,
    output: () => output,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      await exit;
    },
    kill: (signal) => {
      if (!exited) child.kill(signal);
      return exit;
    },
  };
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (exited) throw new Error(`${name} exited before it was healthy:\n${output}`);
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return app;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await app.stop();
  throw new Error(`${name} did not become healthy:\n${output}`);
}

/** One Redis command over RESP, without a client library: enough to select, flush and count a test database. */
export async function redisCommands(url: string, commands: string[][]): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = new Socket();
  socket.connect(Number(port || 6379), hostname);
  await once(socket, 'connect');
  const payload = commands
    .map(
      (parts) =>
        `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`,
    )
    .join('');
  let reply = '';
  socket.write(payload);
  for await (const chunk of socket) {
    reply += String(chunk);
    if (reply.split('\r\n').length > commands.length) break;
  }
  socket.destroy();
  return reply;
}

export async function isRedisAvailable(url: string): Promise<boolean> {
  try {
    return (await redisCommands(url, [['PING']])).startsWith('+PONG');
  } catch {
    return false;
  }
}
