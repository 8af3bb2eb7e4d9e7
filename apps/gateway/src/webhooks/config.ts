import { ORDER_EVENT_TYPES, type OrderEventType } from '@oos/contracts';
import { ConfigError, type EnvSource, envInt, parseEnv } from '@oos/service-kit';
import { z } from 'zod';

export interface WebhookEndpoint {
  url: string;
  /** The event types it is sent (all of them unless its entry names some). */
  types: readonly OrderEventType[];
  /** How long one attempt may take before it counts as failed. */
  timeoutMs: number;
}

export interface WebhookConfig {
  endpoints: readonly WebhookEndpoint[];
  /** The HMAC key of `Oos-Signature`; set whenever there are endpoints. */
  secret: string;
  /** How long a delivery is retried after its event (or after a retry request) before it is marked failed. */
  horizonMs: number;
  /** Backoff between attempts: doubles from the base up to the cap, with full jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Pause between two dispatcher passes. */
  intervalMs: number;
  /** Most deliveries one pass sends (at once). */
  batchSize: number;
  /** Delivered events are deleted after this many days. */
  retentionDays: number;
}

const TIMEOUT_MIN_MS = 100;
const TIMEOUT_MAX_MS = 120_000;

const endpointSchema = (defaultTimeoutMs: number) =>
  z.string().transform((entry, ctx): WebhookEndpoint | typeof z.NEVER => {
    const [url = '', ...options] = entry.split('|').map((part) => part.trim());
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message: `"${entry}": ${message}` });
      return z.NEVER;
    };
    if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
      return fail('must start with an http:// or https:// URL');
    }
    const types: OrderEventType[] = [];
    let timeoutMs = defaultTimeoutMs;
    for (const option of options) {
      const timeout = /^timeout=(\d+)$/.exec(option);
      if (timeout?.[1]) {
        timeoutMs = Number(timeout[1]);
        if (timeoutMs < TIMEOUT_MIN_MS || timeoutMs > TIMEOUT_MAX_MS) {
          return fail(`timeout must be ${TIMEOUT_MIN_MS}-${TIMEOUT_MAX_MS} ms`);
        }
        continue;
      }
      const type = ORDER_EVENT_TYPES.find((known) => known === option);
      if (!type)
        return fail(
          `"${option}" is neither an event type (${ORDER_EVENT_TYPES.join(', ')}) nor timeout=<ms>`,
        );
      if (!types.includes(type)) types.push(type);
    }
    return { url, types: types.length > 0 ? types : ORDER_EVENT_TYPES, timeoutMs };
  });

const webhookShape = {
  // `<url>[|<event type>…][|timeout=<ms>]`, comma-separated.
  WEBHOOK_URLS: z.string().default(''),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_TIMEOUT_MS: envInt(TIMEOUT_MIN_MS, TIMEOUT_MAX_MS).default(10_000),
  WEBHOOK_RETRY_HORIZON_MS: envInt(1000, 30 * 24 * 60 * 60 * 1000).default(24 * 60 * 60 * 1000),
  WEBHOOK_BACKOFF_BASE_MS: envInt(10, 60 * 60 * 1000).default(1000),
  WEBHOOK_BACKOFF_MAX_MS: envInt(10, 24 * 60 * 60 * 1000).default(60 * 60 * 1000),
  WEBHOOK_INTERVAL_MS: envInt(50, 60 * 60 * 1000).default(500),
  WEBHOOK_BATCH_SIZE: envInt(1, 1000).default(50),
  EVENT_RETENTION_DAYS: envInt(1, 3650).default(30),
};

/** Read once at start with the rest of the gateway's configuration; every problem names its variable. */
export function readWebhookConfig(env: EnvSource): WebhookConfig {
  const own = parseEnv(webhookShape, env);
  const entries = own.WEBHOOK_URLS.split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const parsed = z.array(endpointSchema(own.WEBHOOK_TIMEOUT_MS)).safeParse(entries);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `WEBHOOK_URLS: ${issue.message}`);
  const endpoints = parsed.success ? parsed.data : [];
  const urls = endpoints.map((endpoint) => endpoint.url);
  const repeated = urls.find((url, index) => urls.indexOf(url) !== index);
  if (repeated) problems.push(`WEBHOOK_URLS: "${repeated}" is listed twice`);
  if (entries.length > 0 && own.WEBHOOK_SECRET === undefined) {
    problems.push(
      'WEBHOOK_SECRET: must be set when WEBHOOK_URLS is (receivers verify the signature with it)',
    );
  }
  if (own.WEBHOOK_BACKOFF_MAX_MS < own.WEBHOOK_BACKOFF_BASE_MS) {
    problems.push('WEBHOOK_BACKOFF_MAX_MS: must be at least WEBHOOK_BACKOFF_BASE_MS');
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  }
  return {
    endpoints,
    secret: own.WEBHOOK_SECRET ?? '',
    horizonMs: own.WEBHOOK_RETRY_HORIZON_MS,
    backoffBaseMs: own.WEBHOOK_BACKOFF_BASE_MS,
    backoffMaxMs: own.WEBHOOK_BACKOFF_MAX_MS,
    intervalMs: own.WEBHOOK_INTERVAL_MS,
    batchSize: own.WEBHOOK_BATCH_SIZE,
    retentionDays: own.EVENT_RETENTION_DAYS,
  };
}
