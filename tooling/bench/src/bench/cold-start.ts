import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APP_NAMES, appProcess, baseEnv, type Runtime } from '../stack/apps.ts';
import { waitForOk } from '../stack/http.ts';
import { freePort } from '../stack/ports.ts';

/** Fresh DATA_DIR, the three apps spawned in embedded mode: milliseconds until all three answer `/ready` 200. */
export async function measureColdStart(
  runtime: Runtime,
  logDir: string,
  node: string = process.execPath,
): Promise<number> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oos-bench-cold-'));
  const ports = { gateway: await freePort(), inventory: await freePort(), payments: await freePort() };
  const env = baseEnv({
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(ports.gateway),
    INVENTORY_PORT: String(ports.inventory),
    PAYMENTS_PORT: String(ports.payments),
    INVENTORY_BASE_URL: `http://127.0.0.1:${ports.inventory}`,
    PAYMENTS_BASE_URL: `http://127.0.0.1:${ports.payments}`,
  });
  const processes = APP_NAMES.map((app) =>
    appProcess(app, runtime, env, path.join(logDir, `cold-${app}.log`), node),
  );
  const started = performance.now();
  try {
    for (const process of processes) process.start();
    await Promise.all(APP_NAMES.map((app) => waitForOk(`http://127.0.0.1:${ports[app]}/ready`, 60_000, 10)));
    return performance.now() - started;
  } finally {
    await Promise.all(processes.map((process) => process.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
