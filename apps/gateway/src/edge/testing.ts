import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { isCi } from '@oos/db-kit/testing';
import { createLogger, type Logger, listen, type RunningServer } from '@oos/service-kit';
import express from 'express';
import { Redis } from 'ioredis';
import { createEdge, type Edge, type EdgeConfig, type RateLimitScope, readEdgeConfig } from './index.ts';

const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export function testRedisUrl(): string {
  const fromEnv = process.env.TEST_REDIS_URL?.trim();
  return fromEnv === undefined || fromEnv === '' ? DEFAULT_TEST_REDIS_URL : fromEnv;
}

/**
 * Whether the test Redis answers. Unreachable under CI is an error, so CI cannot pass by skipping every Redis
 * test; locally it warns loudly and the caller skips.
 */
export async function redisForTests(): Promise<boolean> {
  const client = new Redis(testRedisUrl(), {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (error) {
    const message = `Redis is not reachable at ${testRedisUrl()} (set TEST_REDIS_URL): ${String(error)}`;
    if (isCi()) throw new Error(message);
    console.warn(`\n!!! SKIPPING Redis-backed edge tests: ${message}\n`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** The test Redis URL with its host and port replaced, keeping database and credentials. */
export function redisUrlVia(port: number, host = '127.0.0.1'): string {
  const url = new URL(testRedisUrl());
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}

export interface LogEntry {
  level: string;
  message: string;
}

/** The service logger, silenced, with every entry kept for assertions. */
export function capturingLogger(): { logger: Logger; entries: LogEntry[] } {
  const logger = createLogger({ service: 'gateway-test', level: 'debug' });
  for (const transport of logger.transports) transport.silent = true;
  const entries: LogEntry[] = [];
  logger.on('data', (info: { level: string; message: unknown }) => {
    entries.push({ level: info.level, message: String(info.message) });
  });
  return { logger, entries };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** node:http rather than fetch: fetch will not send a Host header of our choosing. */
export function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface TestGateway {
  port: number;
  edge: Edge;
  config: EdgeConfig;
  entries: LogEntry[];
  limited: RateLimitScope[];
  send(method: string, path: string, headers?: Record<string, string>, body?: string): Promise<Reply>;
  close(): Promise<void>;
}

/** A real Express app with the edge in front of stand-ins for the gateway's routes. */
export async function startTestGateway(
  env: Record<string, string>,
  keyPrefix = `test:${randomUUID()}:`,
): Promise<TestGateway> {
  const config = readEdgeConfig(env);
  const { logger, entries } = capturingLogger();
  const limited: RateLimitScope[] = [];
  const edge = createEdge(config, { logger, keyPrefix, onRateLimited: (scope) => limited.push(scope) });
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.use(edge.handlers);
  app.get(['/health', '/health/'], (_req, res) => {
    res.json({ ok: true });
  });
  app.get(['/ready', '/ready/'], (_req, res) => {
    res.json({ ok: true, components: { redis: edge.redisState() } });
  });
  app.get(['/metrics', '/metrics/'], (_req, res) => {
    res.type('text/plain').send('# metrics\n');
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send('<!doctype html><title>docs</title>');
  });
  app.post(['/api/orders', '/api/orders/'], (_req, res) => {
    res.status(201).json({ id: randomUUID() });
  });
  app.get(['/api/orders', '/api/orders/'], (_req, res) => {
    res.json({ count: 0, results: [] });
  });
  app.get(['/api/orders/:id', '/api/orders/:id/'], (req, res) => {
    res.json({ id: req.params.id });
  });
  app.post(['/api/orders/:id/cancel', '/api/orders/:id/cancel/'], (req, res) => {
    res.json({ id: req.params.id, status: 'CANCELLED' });
  });
  await edge.ready();
  const running: RunningServer = await listen(app, 0, '127.0.0.1');
  return {
    port: running.port,
    edge,
    config,
    entries,
    limited,
    send: (method, path, headers, body) => send(running.port, method, path, headers, body),
    async close() {
      await running.close(1_000);
      await edge.close();
    },
  };
}

/** A TCP proxy in front of Redis that a test can stop and restart on the same port, to stage an outage. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static toTestRedis(): TcpProxy {
    const url = new URL(testRedisUrl());
    return new TcpProxy(url.hostname, Number(url.port || '6379'));
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = netConnect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Refuse new connections and cut the open ones, as a crashed Redis would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** A port nothing listens on: bound once, then released. */
export { freePort as deadPort } from '@oos/db-kit/testing';
