import type { EnvSource } from '@oos/service-kit';
import { readGatewayConfig } from '../../../apps/gateway/src/config.ts';
import { readEdgeConfig } from '../../../apps/gateway/src/edge/config.ts';
import { readInventoryConfig } from '../../../apps/inventory/src/config.ts';
import { readPaymentsConfig } from '../../../apps/payments/src/config.ts';
import { APPS, type AppName, PREFIX } from './repo.ts';

const CONFIG_READERS: Record<AppName, ReadonlyArray<(env: EnvSource) => unknown>> = {
  gateway: [readGatewayConfig, readEdgeConfig],
  inventory: [readInventoryConfig],
  payments: [readPaymentsConfig],
};

/**
 * Every variable an app's config readers look at, recorded by running them over an environment that logs each
 * lookup: taken from the code itself, so the list cannot drift from what the apps read.
 */
export function variablesReadBy(app: AppName): Set<string> {
  const seen = new Set<string>();
  const target: Record<string, string | undefined> = {};
  const env = new Proxy(target, {
    get(_target, key) {
      if (typeof key === 'string') seen.add(key);
      return undefined;
    },
  });
  for (const read of CONFIG_READERS[app]) read(env);
  return seen;
}

/** The app's configuration as it would start with this environment. */
export function portOf(app: AppName, env: EnvSource): number {
  if (app === 'gateway') return readGatewayConfig(env).port;
  if (app === 'inventory') return readInventoryConfig(env).port;
  return readPaymentsConfig(env).port;
}

/**
 * What an app reads but a deployment (compose, Kubernetes) deliberately leaves out: the unprefixed spellings, the
 * embedded-mode folder, and the other apps' prefixed variables (a `*_BASE_URL` excepted: the gateway reads those).
 */
export function notForDeployment(app: AppName, name: string): boolean {
  const otherPrefixes = APPS.filter((other) => other !== app).map((other) => `${PREFIX[other]}_`);
  return (
    name === 'PORT' ||
    name === 'DATABASE_URL' ||
    name === 'DATA_DIR' ||
    (otherPrefixes.some((prefix) => name.startsWith(prefix)) && !name.endsWith('_BASE_URL'))
  );
}
