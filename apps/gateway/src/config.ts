import { type ResilienceConfig, ResilienceConfigError, readResilienceConfig } from '@oos/resilience';
import {
  ConfigError,
  type EnvSource,
  envInt,
  envUrl,
  parseEnv,
  readServiceConfig,
  type ServiceConfig,
} from '@oos/service-kit';

export const GATEWAY_DEFAULT_PORT = 8000;

export interface GatewayConfig extends ServiceConfig {
  /** Origins of the internal services; the tRPC clients append `/trpc`. */
  inventoryBaseUrl: string;
  paymentsBaseUrl: string;
  idempotencyTtlHours: number;
  /** How long a saga run may hold an order before another runner may take it over. */
  leaseMs: number;
  resilience: ResilienceConfig;
}

const gatewayShape = {
  INVENTORY_BASE_URL: envUrl(['http:', 'https:']).default('http://127.0.0.1:9001'),
  PAYMENTS_BASE_URL: envUrl(['http:', 'https:']).default('http://127.0.0.1:9002'),
  IDEMPOTENCY_TTL_HOURS: envInt(1, 24 * 365).default(24),
  RECOVERY_LEASE_MS: envInt(1000, 24 * 60 * 60 * 1000).default(30_000),
};

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** Read once at start; every bad value throws a ConfigError naming the variable. */
export function readGatewayConfig(env: EnvSource): GatewayConfig {
  const service = readServiceConfig('gateway', GATEWAY_DEFAULT_PORT, env);
  const own = parseEnv(gatewayShape, env);
  let resilience: ResilienceConfig;
  try {
    resilience = readResilienceConfig(env);
  } catch (error) {
    if (error instanceof ResilienceConfigError) {
      throw new ConfigError(
        `Invalid configuration:\n${error.problems.map((line) => `  ${line}`).join('\n')}`,
      );
    }
    throw error;
  }
  return {
    ...service,
    inventoryBaseUrl: withoutTrailingSlash(own.INVENTORY_BASE_URL),
    paymentsBaseUrl: withoutTrailingSlash(own.PAYMENTS_BASE_URL),
    idempotencyTtlHours: own.IDEMPOTENCY_TTL_HOURS,
    leaseMs: own.RECOVERY_LEASE_MS,
    resilience,
  };
}
