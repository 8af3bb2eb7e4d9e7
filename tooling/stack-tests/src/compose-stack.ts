import { chmodSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseUrlVariable } from '@oos/db-kit';
import { createTestDatabase, type TestDatabase } from '@oos/db-kit/testing';
import { type ComposeFile, environmentOf, service } from './compose-file.ts';
import { type GateProxy, startGateProxy } from './gate-proxy.ts';
import { type RunningNginx, startNginx } from './nginx.ts';
import { freePort, type RunningApp, run, startApp } from './processes.ts';
import { APPS, type AppName, PREFIX, REPO_ROOT } from './repo.ts';

// docker-compose.yml run without Docker: the compiled apps (built by the globalSetup, src/build-apps.ts) with plain node, NODE_ENV=production and compose's own
// environment blocks, and the real nginx with the template the proxy service mounts. Only where things are changes
// (hosts, ports, database names, the Redis database, the certificate folder), plus what a test shortens on purpose.

export function appDir(app: AppName): string {
  return path.join(REPO_ROOT, 'apps', app);
}

/** Points a compose URL at the local stand-in: same scheme, credentials and path shape, other host/port/db. */
export function relocate(url: string, target: string): string {
  const local = new URL(target);
  const moved = new URL(url);
  moved.host = local.host;
  moved.pathname = local.pathname;
  moved.username = local.username;
  moved.password = local.password;
  return moved.toString();
}

export interface StackOptions {
  redisUrl: string;
  gatewayReplicas: number;
  /** Variables a test sets on every gateway on top of compose's (shorter recovery intervals, …). */
  gatewayOverrides: Record<string, string>;
  nginx: string;
}

export interface GatewayReplica {
  app: RunningApp;
  port: number;
  /** Between this replica and payments: holds its charges when a test needs a saga stuck mid-way. */
  paymentsGate: GateProxy;
}

export interface ComposeStack {
  databases: Map<AppName, TestDatabase>;
  ports: Map<AppName, number>;
  token: string;
  /** What each `<app>-migrate` service printed, then what `pnpm db:migrate` printed after them. */
  migrations: { services: Map<AppName, string>; again: string };
  inventory: RunningApp;
  payments: RunningApp;
  gateways: GatewayReplica[];
  edge: { https: string; http: string; httpsPort: number; ca: string; nginx: RunningNginx };
  stop(): Promise<void>;
}

/** The environment compose gives `app`, moved onto this machine. */
function localEnv(
  app: AppName,
  composeEnv: Record<string, string>,
  places: { database?: string; ports: Map<AppName, number>; redisUrl: string },
): Record<string, string> {
  const env = { ...composeEnv };
  const dbVariable = databaseUrlVariable(app);
  if (env[dbVariable] !== undefined && places.database !== undefined)
    env[dbVariable] = relocate(env[dbVariable], places.database);
  if (env.HOST !== undefined) env.HOST = '127.0.0.1';
  for (const other of APPS) {
    const port = `${PREFIX[other]}_PORT`;
    if (env[port] !== undefined) env[port] = String(places.ports.get(other));
    const baseUrl = `${PREFIX[other]}_BASE_URL`;
    if (env[baseUrl] !== undefined)
      env[baseUrl] = relocate(env[baseUrl], `http://127.0.0.1:${places.ports.get(other)}`);
  }
  if (env.REDIS_URL !== undefined) env.REDIS_URL = relocate(env.REDIS_URL, places.redisUrl);
  // The proxy connects to the gateways from 127.0.0.1 here, as it does from its fixed address in compose.
  if (env.TRUST_PROXY !== undefined) env.TRUST_PROXY = '127.0.0.1';
  return env;
}

/**
 * The proxy's environment from compose, moved: listen on loopback ports, point at this run's certificate and
 * list each local gateway replica the way compose's one `server gateway:8000 …;` line reaches every container.
 */
export function localProxyEnv(
  compose: ComposeFile,
  places: { httpsPort: number; httpPort: number; tlsDir: string; gatewayPorts: number[] },
): Record<string, string> {
  const composeEnv = environmentOf(compose, 'proxy');
  const gatewayPort = environmentOf(compose, 'gateway').GATEWAY_PORT;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(composeEnv)) {
    if (name === 'NGINX_HTTPS_PORT') env[name] = `127.0.0.1:${places.httpsPort}`;
    else if (name === 'NGINX_HTTP_PORT') env[name] = `127.0.0.1:${places.httpPort}`;
    else if (name === 'HTTPS_PUBLISHED_PORT') env[name] = String(places.httpsPort);
    else if (name === 'TLS_DIR') env[name] = places.tlsDir;
    else if (name === 'GATEWAY_UPSTREAM_SERVERS') {
      const line = new RegExp(`^server gateway:${gatewayPort}( [^;]*)?;$`).exec(value);
      if (line === null)
        throw new Error(`GATEWAY_UPSTREAM_SERVERS is not one "server gateway:…;" line: ${value}`);
      const parameters = line[1] ?? '';
      env[name] = places.gatewayPorts.map((port) => `server 127.0.0.1:${port}${parameters};`).join('\n    ');
    } else if (name === 'PROXY_MAX_BODY_BYTES') env[name] = value;
    else throw new Error(`the proxy service sets ${name}: say here where it points when run as a process`);
  }
  return env;
}

/** What the *-migrate services run, then what `pnpm db:migrate` runs: the second must find nothing to do. */
async function migrate(
  compose: ComposeFile,
  envOf: (app: AppName, composeEnv: Record<string, string>) => Record<string, string>,
): Promise<ComposeStack['migrations']> {
  const services = new Map<AppName, string>();
  const migrateEnv: Record<string, string> = {};
  for (const app of APPS) {
    const [command = '', ...args] = service(compose, `${app}-migrate`).command ?? [];
    const env = envOf(app, environmentOf(compose, `${app}-migrate`));
    const migrated = await run(command, args, appDir(app), { ...env, NODE_ENV: 'production' });
    if (migrated.code !== 0) throw new Error(`${app}-migrate failed:\n${migrated.output}`);
    services.set(app, migrated.output);
    Object.assign(migrateEnv, env);
  }
  const again = await run('pnpm', ['db:migrate'], REPO_ROOT, migrateEnv);
  if (again.code !== 0) throw new Error(`pnpm db:migrate failed:\n${again.output}`);
  return { services, again: again.output };
}

export async function startComposeStack(compose: ComposeFile, options: StackOptions): Promise<ComposeStack> {
  const stoppers: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne().catch(() => undefined);
  };
  try {
    const databases = new Map<AppName, TestDatabase>();
    const ports = new Map<AppName, number>();
    for (const app of APPS) {
      const database = await createTestDatabase(`stack_${app}`);
      stoppers.push(() => database.drop());
      databases.set(app, database);
      ports.set(app, await freePort());
    }
    const envOf = (app: AppName, composeEnv: Record<string, string>) =>
      localEnv(app, composeEnv, { database: databases.get(app)?.url, ports, redisUrl: options.redisUrl });
    const migrations = await migrate(compose, envOf);

    const startOne = async (app: AppName, env: Record<string, string>, port: number) => {
      const running = await startApp(app, appDir(app), `http://127.0.0.1:${port}`, env);
      stoppers.push(() => running.stop());
      return running;
    };
    const inventory = await startOne(
      'inventory',
      envOf('inventory', environmentOf(compose, 'inventory')),
      ports.get('inventory') ?? 0,
    );
    const payments = await startOne(
      'payments',
      envOf('payments', environmentOf(compose, 'payments')),
      ports.get('payments') ?? 0,
    );
    const gatewayEnv = envOf('gateway', environmentOf(compose, 'gateway'));
    const gateways: GatewayReplica[] = [];
    for (let replica = 0; replica < options.gatewayReplicas; replica += 1) {
      const port = replica === 0 ? (ports.get('gateway') ?? 0) : await freePort();
      const paymentsGate = await startGateProxy(ports.get('payments') ?? 0);
      stoppers.push(() => paymentsGate.stop());
      const env = {
        ...gatewayEnv,
        ...options.gatewayOverrides,
        GATEWAY_PORT: String(port),
        PAYMENTS_BASE_URL: paymentsGate.url,
      };
      gateways.push({ app: await startOne('gateway', env, port), port, paymentsGate });
    }

    const edgeDir = await mkdtemp(path.join(tmpdir(), 'oos-edge-'));
    stoppers.push(() => rm(edgeDir, { recursive: true, force: true }));
    // nginx's workers run as an unprivileged user and keep their temporary files here.
    chmodSync(edgeDir, 0o755);
    const tlsDir = path.join(edgeDir, 'tls');
    // The command the README gives for a self-signed pair.
    const cert = await run(
      'node',
      [path.join(REPO_ROOT, 'tooling/scripts/tls-cert.mjs'), '--out', tlsDir],
      REPO_ROOT,
      {},
    );
    if (cert.code !== 0) throw new Error(`tls-cert failed:\n${cert.output}`);
    const httpsPort = await freePort();
    const httpPort = await freePort();
    const proxyEnv = localProxyEnv(compose, {
      httpsPort,
      httpPort,
      tlsDir,
      gatewayPorts: gateways.map((gateway) => gateway.port),
    });
    const nginx = await startNginx(options.nginx, edgeDir, proxyEnv, [httpsPort, httpPort]);
    stoppers.push(() => nginx.stop());

    return {
      databases,
      ports,
      token: gatewayEnv.INTERNAL_API_TOKEN ?? '',
      migrations,
      inventory,
      payments,
      gateways,
      edge: {
        https: `https://localhost:${httpsPort}`,
        http: `http://localhost:${httpPort}`,
        httpsPort,
        ca: readFileSync(path.join(tlsDir, 'tls.crt'), 'utf8'),
        nginx,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
