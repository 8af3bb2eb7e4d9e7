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
import { type EdgeConfig, readEdgeConfig } from './edge/index.ts';
import type { RecoveryConfig } from './recovery/worker.ts';
import { readWebhookConfig, type WebhookConfig } from './webhooks/config.ts';

export const GATEWAY_DEFAULT_PORT = 8000;

export interface GatewayConfig extends ServiceConfig {
  /** Origins of the internal services; the tRPC clients append `/trpc`. */
  inventoryBaseUrl: string;
  paymentsBaseUrl: string;
  idempotencyTtlHours: number;
  /** How long a saga run may hold an order before another runner may take it over. */
  leaseMs: number;
  resilience: ResilienceConfig;
  /** The recovery worker (src/recovery): pass interval, claim lease, pending timeout, key sweeping. */
  recovery: RecoveryConfig;
  /** SIGTERM: how long in-flight requests (and the worker's running pass) may take before they are cut. */
  shutdownGraceMs: number;
  /** Rate limits, security headers, CORS, hosts, HTTPS, Redis (src/edge). */
  edge: EdgeConfig;
  /** Webhook endpoints and their delivery policy; event retention (src/webhooks). */
  webhooks: WebhookConfig;
}

const gatewayShape = {
  INVENTORY_BASE_URL: envUrl(['http:', 'https:']).default('http://127.0.0.1:9001'),
  PAYMENTS_BASE_URL: envUrl(['http:', 'https:']).default('http://127.0.0.1:9002'),
  IDEMPOTENCY_TTL_HOURS: envInt(1, 24 * 365).default(24),
  RECOVERY_LEASE_MS: envInt(1000, 24 * 60 * 60 * 1000).default(30_000),
  RECOVERY_INTERVAL_MS: envInt(100, 60 * 60 * 1000).default(5_000),
  RECOVERY_BATCH_SIZE: envInt(1, 1000).default(20),
  RECOVERY_BACKOFF_MAX_MS: envInt(1000, 24 * 60 * 60 * 1000).default(60 * 1000),
  ORDER_PENDING_TIMEOUT_MS: envInt(1000, 7 * 24 * 60 * 60 * 1000).default(15 * 60 * 1000),
  IDEMPOTENCY_SWEEP_INTERVAL_MS: envInt(1000, 24 * 60 * 60 * 1000).default(60_000),
  SHUTDOWN_GRACE_MS: envInt(0, 10 * 60 * 1000).default(10_000),
};

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** Read once at start; every bad value throws a ConfigError naming the variable. */
export function readGatewayConfig(env: EnvSource): GatewayConfig {
  const service = readServiceConfig('gateway', GATEWAY_DEFAULT_PORT, env);
  const own = parseEnv(gatewayShape, env);
  const webhooks = readWebhookConfig(env);
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
    recovery: {
      intervalMs: own.RECOVERY_INTERVAL_MS,
      leaseMs: own.RECOVERY_LEASE_MS,
      pendingTimeoutMs: own.ORDER_PENDING_TIMEOUT_MS,
      batchSize: own.RECOVERY_BATCH_SIZE,
      maxBackoffMs: own.RECOVERY_BACKOFF_MAX_MS,
      keySweepIntervalMs: own.IDEMPOTENCY_SWEEP_INTERVAL_MS,
      eventRetentionDays: webhooks.retentionDays,
    },
    shutdownGraceMs: own.SHUTDOWN_GRACE_MS,
    edge: readEdgeConfig(env),
    webhooks,
  };
}
