import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './repo.ts';

/** The file docker compose's `proxy` service mounts as /etc/nginx/templates/default.conf.template. */
export const EDGE_TEMPLATE_PATH = path.join(REPO_ROOT, 'deploy/nginx/templates/default.conf.template');

export function readEdgeTemplate(): string {
  return readFileSync(EDGE_TEMPLATE_PATH, 'utf8');
}

/** The `${NAME}` references of the template: what the container's environment must set. */
export function templateVariables(template: string): Set<string> {
  return new Set([...template.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1] ?? ''));
}

export function nginxBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The template rendered as the official nginx image renders it at start (its 20-envsubst-on-templates.sh): the
 * real `envsubst`, told to replace exactly the variables set in the environment, so nginx's own `$host`-style
 * variables stay as they are.
 */
export function renderEdgeTemplate(env: Record<string, string>): string {
  const names = Object.keys(env)
    .map((name) => `\${${name}}`)
    .join(' ');
  return execFileSync('envsubst', [names], {
    input: readEdgeTemplate(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
}

export interface RunningNginx {
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with the rendered edge configuration inside a minimal main file of its own:
 * only what the image's /etc/nginx/nginx.conf provides around conf.d (pid, logs and temp files in `dir`, so
 * nothing on the machine is touched). Resolves once every `listen` port accepts connections.
 */
export async function startNginx(
  binary: string,
  dir: string,
  env: Record<string, string>,
  ports: number[],
): Promise<RunningNginx> {
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const edgeConf = path.join(dir, 'default.conf');
  writeFileSync(edgeConf, renderEdgeTemplate(env));
  const mainConf = path.join(dir, 'nginx.conf');
  const temp = (name: string) => path.join(dir, name);
  writeFileSync(
    mainConf,
    [
      'worker_processes 2;',
      `pid ${temp('nginx.pid')};`,
      `error_log ${temp('logs/error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      '  default_type application/octet-stream;',
      `  client_body_temp_path ${temp('client_body')};`,
      `  proxy_temp_path ${temp('proxy')};`,
      `  fastcgi_temp_path ${temp('fastcgi')};`,
      `  uwsgi_temp_path ${temp('uwsgi')};`,
      `  scgi_temp_path ${temp('scgi')};`,
      `  include ${edgeConf};`,
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', mainConf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const running: RunningNginx = {
    output: () => output,
    stop: async () => {
      if (exited) return;
      const exit = once(child, 'exit');
      // SIGQUIT is nginx's graceful shutdown; its workers finish what they serve and the master waits for them.
      child.kill('SIGQUIT');
      await exit;
    },
  };
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (exited) throw new Error(`nginx exited at start:\n${output}`);
    const accepting = await Promise.all(ports.map(acceptsConnections));
    if (accepting.every(Boolean)) return running;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await running.stop();
  throw new Error(`nginx did not listen on ${ports.join(', ')}:\n${output}`);
}

async function acceptsConnections(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}
