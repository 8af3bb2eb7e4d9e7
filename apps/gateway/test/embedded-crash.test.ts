import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openGatewayDatabase } from '@oos/db-gateway';
import { openInventoryDatabase } from '@oos/db-inventory';
import { freePort, freshTempDir } from '@oos/db-kit/testing';
import { openPaymentsDatabase } from '@oos/db-payments';
import { describe, expect, it } from 'vitest';
import { invariantViolations } from './invariants.ts';

// The embedded mode as `pnpm start` runs it (each app's own `start` script, PGlite under one DATA_DIR), with each
// app SIGKILLed while orders are being written and started again on the same DATA_DIR.

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const APPS = ['inventory', 'payments', 'gateway'] as const;
type App = (typeof APPS)[number];

const STOCK: Readonly<Record<string, number>> = { 'KILL-A': 400, 'KILL-B': 400, 'KILL-SCARCE': 3 };
const DECLINE_ABOVE_CENTS = 1_000_000;
/** Final answers; 200 is the replay of a 201 (an order the recovery worker finished before the client retried). */
const FINAL = new Set([200, 201, 402, 422]);

interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** The app's `start` script from its package.json, run as one process (node itself), so a kill reaches the app. */
function startApp(app: App, env: Record<string, string>): Running {
  const appDir = path.join(REPO_ROOT, 'apps', app);
  const manifest: unknown = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));
  const scripts: unknown =
    typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'scripts') : {};
  const start: unknown =
    typeof scripts === 'object' && scripts !== null ? Reflect.get(scripts, 'start') : undefined;
  if (typeof start !== 'string' || !start.startsWith('node '))
    throw new Error(`${app}: unexpected start script`);
  const child = spawn(process.execPath, start.split(/\s+/).slice(1), {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: typeof code === 'number' ? code : null,
    signal: typeof signal === 'string' ? signal : null,
  }));
  return { child, output: () => output, exited };
}

async function waitReady(url: string, running: Running): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (running.child.exitCode !== null) throw new Error(`exited before it was ready:\n${running.output()}`);
    try {
      const response = await fetch(`${url}/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} never got ready:\n${running.output()}`);
}

interface Answer {
  status: number | 'network';
  orderId?: string;
}

async function createOrder(gateway: string, key: string, body: string): Promise<Answer> {
  try {
    const response = await fetch(`${gateway}/api/orders/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body,
      signal: AbortSignal.timeout(20_000),
    });
    const answer: unknown = await response.json();
    const id: unknown =
      typeof answer === 'object' && answer !== null
        ? (Reflect.get(answer, 'id') ?? Reflect.get(answer, 'order_id'))
        : undefined;
    return { status: response.status, ...(typeof id === 'string' ? { orderId: id } : {}) };
  } catch {
    return { status: 'network' };
  }
}

/** An order of 1–2 lines; now and then one the stock cannot cover or above the decline threshold. */
function orderBody(n: number): string {
  const items =
    n % 7 === 0
      ? [{ sku: 'KILL-SCARCE', quantity: 2 }]
      : [{ sku: n % 2 === 0 ? 'KILL-A' : 'KILL-B', quantity: 1 }];
  const amount = n % 5 === 0 ? DECLINE_ABOVE_CENTS + 1 : 1500;
  return JSON.stringify({ items, amount_cents: amount, currency: 'EUR' });
}

/** The order as a create answered with `status` left it. */
function stateAnsweredBy(status: Answer['status']): Record<string, string> {
  if (status === 200 || status === 201) return { status: 'CONFIRMED' };
  if (status === 402) return { status: 'FAILED', failure_reason: 'PAYMENT_FAILED' };
  if (status === 422) return { status: 'FAILED', failure_reason: 'INSUFFICIENT_STOCK' };
  throw new Error(`not a final answer: ${status}`);
}

describe('embedded mode, each app killed while orders are written', () => {
  it('keeps every order that was answered, with stock and charges agreeing, and restarts on the same DATA_DIR', {
    timeout: 600_000,
  }, async () => {
    const dataDir = await freshTempDir('oos-embedded-crash-');
    const ports: Record<App, number> = {
      inventory: await freePort(),
      payments: await freePort(),
      gateway: await freePort(),
    };
    const urlOf = (app: App) => `http://127.0.0.1:${ports[app]}`;
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(ports.gateway),
      INVENTORY_PORT: String(ports.inventory),
      PAYMENTS_PORT: String(ports.payments),
      INVENTORY_BASE_URL: urlOf('inventory'),
      PAYMENTS_BASE_URL: urlOf('payments'),
      PAYMENTS_DECLINE_ABOVE_CENTS: String(DECLINE_ABOVE_CENTS),
      RATE_LIMIT_CREATE: '100000',
      RATE_LIMIT_DETAIL: '100000',
      HTTP_TIMEOUT_MS: '3000',
      BREAKER_VOLUME_THRESHOLD: '100000',
      RECOVERY_INTERVAL_MS: '200',
      RECOVERY_LEASE_MS: '1000',
      RECOVERY_BACKOFF_MAX_MS: '1000',
    };
    const running = new Map<App, Running>();
    const start = async (app: App) => {
      const process = startApp(app, env);
      running.set(app, process);
      await waitReady(urlOf(app), process);
    };
    try {
      for (const app of APPS) await start(app);
      for (const [sku, quantity] of Object.entries(STOCK)) {
        const response = await fetch(`${urlOf('inventory')}/stock/${sku}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ quantity }),
        });
        expect(response.status).toBe(200);
      }

      // Three clients create orders, each with its own key, until told to stop; every answer is kept.
      const answers = new Map<string, { body: string; answer: Answer }>();
      let next = 0;
      let stopping = false;
      const client = async () => {
        while (!stopping) {
          const n = next++;
          const key = `kill-${n}-${randomUUID()}`;
          const body = orderBody(n);
          const answer = await createOrder(urlOf('gateway'), key, body);
          answers.set(key, { body, answer });
          // While an app is down, answers come at once; pausing keeps the number of orders in the hundreds.
          if (!FINAL.has(Number(answer.status))) await sleep(100);
        }
      };
      const clients = [client(), client(), client()];
      const answered = () => [...answers.values()].filter(({ answer }) => answer.status !== 'network').length;
      const afterMore = async (count: number) => {
        const target = answered() + count;
        while (answered() < target) await sleep(20);
      };

      for (const app of APPS) {
        await afterMore(15);
        const victim = running.get(app);
        victim?.child.kill('SIGKILL');
        expect((await victim?.exited)?.signal).toBe('SIGKILL');
        // What the kill left behind, which the restart must get past on its own.
        expect(existsSync(path.join(dataDir, app, 'postmaster.pid'))).toBe(true);
        expect(existsSync(path.join(dataDir, `${app}.lock`))).toBe(true);
        await start(app);
      }
      await afterMore(15);
      stopping = true;
      await Promise.all(clients);

      // Keys whose outcome the clients never learned (network errors, 503 while an upstream was down): retried with
      // the same key and body until final, as a client would.
      for (const [key, entry] of answers) {
        for (let attempt = 0; !FINAL.has(Number(entry.answer.status)) && attempt < 100; attempt++) {
          await sleep(200);
          entry.answer = await createOrder(urlOf('gateway'), key, entry.body);
        }
        expect(FINAL.has(Number(entry.answer.status)), `${key}: ${JSON.stringify(entry.answer)}`).toBe(true);
      }
      const final = [...answers.values()].map(({ answer }) => answer);
      const statuses = new Set(final.map((answer) => answer.status));
      for (const status of [201, 402, 422]) expect(statuses).toContain(status);

      // Every order that got a final answer is there, in the state that answer reported.
      for (const answer of final) {
        const response = await fetch(`${urlOf('gateway')}/api/orders/${answer.orderId}/`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({
          id: answer.orderId,
          ...stateAnsweredBy(answer.status),
        });
      }

      for (const app of APPS) {
        running.get(app)?.child.kill('SIGTERM');
        expect((await running.get(app)?.exited)?.code).toBe(0);
      }
      running.clear();

      // Stock and charges agree with the orders (CONTRACT §5.1–5.3), read straight from the three databases.
      const [gateway, inventory, payments] = await Promise.all([
        openGatewayDatabase({ dataDir }),
        openInventoryDatabase({ dataDir }),
        openPaymentsDatabase({ dataDir }),
      ]);
      try {
        const dbs = { gateway: gateway.client, inventory: inventory.client, payments: payments.client };
        expect(await invariantViolations(dbs, STOCK)).toEqual([]);
        expect(await gateway.client.order.count()).toBe(answers.size);
        expect(await gateway.client.order.count({ where: { status: 'PENDING' } })).toBe(0);
      } finally {
        await Promise.all([gateway.close(), inventory.close(), payments.close()]);
      }

      // A data directory that truly cannot open: the app stops, naming the folder and what to do.
      await writeFile(path.join(dataDir, 'inventory', 'global', 'pg_control'), 'damaged');
      const broken = startApp('inventory', env);
      expect((await broken.exited).code).toBe(1);
      expect(broken.output()).toContain(path.join(dataDir, 'inventory'));
      expect(broken.output()).toContain('delete the directory to start fresh');
    } finally {
      for (const process of running.values()) process.child.kill('SIGKILL');
    }
  });
});
