import { z } from 'zod';

/**
 * An integer environment variable. An empty string counts as unset, so `HTTP_TIMEOUT_MS=` in an env file
 * means "use the default" rather than failing on a value nobody meant to give.
 */
function envInt(defaultValue: number, min: number, max: number) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? String(defaultValue) : value))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

const MAX_MS = 24 * 60 * 60 * 1000;

/** The resilience settings as they come from the environment (CONTRACT §2), turned into camelCase. */
export const resilienceConfigSchema = z
  .object({
    HTTP_TIMEOUT_MS: envInt(3000, 1, MAX_MS),
    HTTP_RETRY_MAX: envInt(3, 1, 100),
    HTTP_RETRY_BACKOFF_MS: envInt(150, 0, MAX_MS),
    HTTP_RETRY_MAX_BACKOFF_MS: envInt(500, 0, MAX_MS),
    HTTP_RETRY_DEADLINE_MS: envInt(10000, 1, MAX_MS),
    BREAKER_VOLUME_THRESHOLD: envInt(5, 1, 1_000_000),
    BREAKER_ERROR_THRESHOLD_PERCENT: envInt(50, 1, 100),
    // opossum splits the window into 10 buckets; below 10 ms a bucket would be shorter than a timer tick.
    BREAKER_ROLLING_WINDOW_MS: envInt(10000, 10, MAX_MS),
    BREAKER_RESET_MS: envInt(30000, 1, MAX_MS),
  })
  .refine((env) => env.HTTP_RETRY_MAX_BACKOFF_MS >= env.HTTP_RETRY_BACKOFF_MS, {
    path: ['HTTP_RETRY_MAX_BACKOFF_MS'],
    message: 'must be at least HTTP_RETRY_BACKOFF_MS',
  })
  .transform((env) => ({
    /** Per attempt. */
    timeoutMs: env.HTTP_TIMEOUT_MS,
    /** Attempts in total, the first one included. */
    retryMax: env.HTTP_RETRY_MAX,
    retryBackoffMs: env.HTTP_RETRY_BACKOFF_MS,
    retryMaxBackoffMs: env.HTTP_RETRY_MAX_BACKOFF_MS,
    /** Bounds all attempts and the waits between them. */
    retryDeadlineMs: env.HTTP_RETRY_DEADLINE_MS,
    breakerVolumeThreshold: env.BREAKER_VOLUME_THRESHOLD,
    breakerErrorThresholdPercent: env.BREAKER_ERROR_THRESHOLD_PERCENT,
    breakerRollingWindowMs: env.BREAKER_ROLLING_WINDOW_MS,
    breakerResetMs: env.BREAKER_RESET_MS,
  }));

export type ResilienceConfig = z.output<typeof resilienceConfigSchema>;

export const defaultResilienceConfig: ResilienceConfig = resilienceConfigSchema.parse({});

/** Thrown for a bad resilience variable; the message names every offending variable. */
export class ResilienceConfigError extends Error {
  override readonly name = 'ResilienceConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid resilience configuration: ${problems.join('; ')}`);
  }
}

/** Reads the resilience variables from a `process.env`-like object; unknown variables are ignored. */
export function readResilienceConfig(env: Record<string, string | undefined>): ResilienceConfig {
  const parsed = resilienceConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ResilienceConfigError(
    parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'} ${issue.message}`),
  );
}

/**
 * Overrides on top of the defaults, checked with the same bounds as the environment (tests shorten every
 * setting this way). A bad override throws like a bad variable, naming the variable it stands for.
 */
export function resolveResilienceConfig(overrides: Partial<ResilienceConfig> = {}): ResilienceConfig {
  const merged = { ...defaultResilienceConfig, ...overrides };
  return readResilienceConfig({
    HTTP_TIMEOUT_MS: String(merged.timeoutMs),
    HTTP_RETRY_MAX: String(merged.retryMax),
    HTTP_RETRY_BACKOFF_MS: String(merged.retryBackoffMs),
    HTTP_RETRY_MAX_BACKOFF_MS: String(merged.retryMaxBackoffMs),
    HTTP_RETRY_DEADLINE_MS: String(merged.retryDeadlineMs),
    BREAKER_VOLUME_THRESHOLD: String(merged.breakerVolumeThreshold),
    BREAKER_ERROR_THRESHOLD_PERCENT: String(merged.breakerErrorThresholdPercent),
    BREAKER_ROLLING_WINDOW_MS: String(merged.breakerRollingWindowMs),
    BREAKER_RESET_MS: String(merged.breakerResetMs),
  });
}
