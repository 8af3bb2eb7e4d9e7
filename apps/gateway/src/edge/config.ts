import { isIP } from 'node:net';
import { ConfigError, type EnvSource, envBool, envInt, envList, envUrl, parseEnv } from '@oos/service-kit';
import { z } from 'zod';

export const RATE_LIMIT_SCOPES = ['create', 'list', 'detail', 'cancel', 'default'] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

/** What Express's `app.set('trust proxy', value)` accepts: on/off, a hop count, or addresses/CIDRs/preset names. */
export type TrustProxy = boolean | number | string[];

export interface EdgeConfig {
  /** Unset: in-memory rate-limit counters (one process only). */
  redisUrl: string | undefined;
  trustProxy: TrustProxy;
  /** Normalised origins (`scheme://host[:port]`), or `*` outside production. */
  corsAllowedOrigins: string[];
  /** Lower-case host names without port; empty = any host. */
  allowedHosts: string[];
  sslRedirect: boolean;
  hstsSeconds: number;
  /** Requests per minute per client IP. */
  rateLimits: Record<RateLimitScope, number>;
}

const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (PROXY_PRESETS.has(entry)) return true;
  const [address = '', mask, ...rest] = entry.split('/');
  if (rest.length > 0) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (mask === undefined) return true;
  if (/^\d{1,3}$/.test(mask)) return Number(mask) <= (family === 4 ? 32 : 128);
  // proxy-addr also takes an IPv4 netmask in dotted form (10.0.0.0/255.0.0.0).
  return family === 4 && isIP(mask) === 4;
}

function toTrustProxy(value: string): TrustProxy | undefined {
  const lowered = value.trim().toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  if (/^\d+$/.test(lowered)) return Number(lowered);
  const entries = lowered
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return entries.length > 0 && entries.every(isProxyAddress) ? entries : undefined;
}

const trustProxySchema = z.string().transform((value, ctx) => {
  const parsed = toTrustProxy(value);
  if (parsed === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message:
        'must be true, false, a hop count, or comma-separated addresses/CIDRs (or loopback, linklocal, uniquelocal)',
    });
    return z.NEVER;
  }
  return parsed;
});

function toOrigin(entry: string): string | undefined {
  if (entry === '*') return entry;
  if (!URL.canParse(entry)) return undefined;
  const url = new URL(entry);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') return undefined;
  return url.origin;
}

const originsSchema = envList().transform((entries, ctx) => {
  const origins: string[] = [];
  for (const entry of entries) {
    const origin = toOrigin(entry);
    if (origin === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: entry,
        message: `"${entry}" is not an origin (scheme://host[:port]) or *`,
      });
      return z.NEVER;
    }
    origins.push(origin);
  }
  return origins;
});

/** Host names are compared without port and case, like the Host header they are matched against. */
export function normaliseHost(entry: string): string {
  const lowered = entry.trim().toLowerCase();
  if (isIP(lowered) === 6) return `[${lowered}]`;
  if (lowered.startsWith('[')) {
    const end = lowered.indexOf(']');
    return end === -1 ? lowered : lowered.slice(0, end + 1);
  }
  return lowered.replace(/:\d*$/, '').replace(/\.$/, '');
}

const perMinute = (fallback: number) => envInt(1, 1_000_000).default(fallback);

const edgeShape = {
  NODE_ENV: z.string().optional(),
  REDIS_URL: envUrl(['redis:', 'rediss:']).optional(),
  TRUST_PROXY: trustProxySchema.default(false),
  CORS_ALLOWED_ORIGINS: originsSchema.default([]),
  ALLOWED_HOSTS: envList().default([]),
  SECURE_SSL_REDIRECT: envBool().default(false),
  SECURE_HSTS_SECONDS: envInt(0, 10 * 365 * 24 * 60 * 60).default(0),
  RATE_LIMIT_CREATE: perMinute(10),
  RATE_LIMIT_LIST: perMinute(120),
  RATE_LIMIT_DETAIL: perMinute(300),
  RATE_LIMIT_CANCEL: perMinute(10),
  RATE_LIMIT_DEFAULT: perMinute(100),
};

/** Read once at start; a bad value throws a ConfigError naming the variable. */
export function readEdgeConfig(env: EnvSource): EdgeConfig {
  const parsed = parseEnv(edgeShape, env);
  if (parsed.NODE_ENV === 'production' && parsed.CORS_ALLOWED_ORIGINS.includes('*')) {
    throw new ConfigError(
      'Invalid configuration:\n  CORS_ALLOWED_ORIGINS: "*" is not allowed when NODE_ENV=production; list the origins',
    );
  }
  return {
    redisUrl: parsed.REDIS_URL,
    trustProxy: parsed.TRUST_PROXY,
    corsAllowedOrigins: parsed.CORS_ALLOWED_ORIGINS,
    allowedHosts: parsed.ALLOWED_HOSTS.map(normaliseHost),
    sslRedirect: parsed.SECURE_SSL_REDIRECT,
    hstsSeconds: parsed.SECURE_HSTS_SECONDS,
    rateLimits: {
      create: parsed.RATE_LIMIT_CREATE,
      list: parsed.RATE_LIMIT_LIST,
      detail: parsed.RATE_LIMIT_DETAIL,
      cancel: parsed.RATE_LIMIT_CANCEL,
      default: parsed.RATE_LIMIT_DEFAULT,
    },
  };
}
