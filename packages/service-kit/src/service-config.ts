import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, type EnvSource, envInt, envPort, envUrl, LOG_LEVELS, parseEnv } from './env.ts';

export type ServiceName = 'gateway' | 'inventory' | 'payments';

/** `.data` at the repository root, wherever the process was started from. */
export const DEFAULT_DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../.data');

const serviceShape = {
  PORT: envPort(),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: envUrl(['postgres:', 'postgresql:']).optional(),
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  INTERNAL_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  API_MAX_BYTES: envInt(1, 100 * 1024 * 1024).default(1024 * 1024),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  NODE_ENV: z.string().default('development'),
};

export interface ServiceConfig {
  service: ServiceName;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  internalToken: string | undefined;
  maxBodyBytes: number;
  logLevel: (typeof LOG_LEVELS)[number];
  production: boolean;
}

const PREFIX: Record<ServiceName, string> = {
  gateway: 'GATEWAY',
  inventory: 'INVENTORY',
  payments: 'PAYMENTS',
};

/** What every app reads alike; each app adds its own variables beside this. */
export function readServiceConfig(service: ServiceName, defaultPort: number, env: EnvSource): ServiceConfig {
  const raw = parseEnv({ ...serviceShape, PORT: serviceShape.PORT.default(defaultPort) }, env, {
    prefix: PREFIX[service],
    prefixed: ['PORT', 'DATABASE_URL'],
  });
  const production = raw.NODE_ENV === 'production';
  if (production) {
    const missing: string[] = [];
    if (!raw.INTERNAL_API_TOKEN) missing.push('  INTERNAL_API_TOKEN: required when NODE_ENV=production');
    if (!raw.DATABASE_URL) {
      missing.push(`  ${PREFIX[service]}_DATABASE_URL: required when NODE_ENV=production (or DATABASE_URL)`);
    }
    if (missing.length > 0) throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);
  }
  return {
    service,
    port: raw.PORT,
    host: raw.HOST,
    databaseUrl: raw.DATABASE_URL,
    dataDir: path.resolve(raw.DATA_DIR),
    internalToken: raw.INTERNAL_API_TOKEN,
    maxBodyBytes: raw.API_MAX_BYTES,
    logLevel: raw.LOG_LEVEL,
    production,
  };
}
