import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface ParseEnvOptions<K extends string> {
  /** Variables with a service-prefixed spelling (e.g. `INVENTORY_PORT`) that wins over the plain one. */
  prefix?: string;
  prefixed?: readonly K[];
}

/**
 * Validates the environment against a shape keyed by variable name. Every problem is reported at once and names
 * the variable the value actually came from, so an operator can fix the right line of their `.env`.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: EnvSource,
  options: ParseEnvOptions<Extract<keyof S, string>> = {},
): z.output<z.ZodObject<S>> {
  const source: Record<string, string> = {};
  const origin = new Map<string, string>();
  for (const name of Object.keys(shape)) {
    const candidates =
      options.prefix && options.prefixed?.some((key) => key === name)
        ? [`${options.prefix}_${name}`, name]
        : [name];
    for (const variable of candidates) {
      const value = env[variable];
      // `FOO=` in a .env file means "not set", not "set to the empty string".
      if (value !== undefined && value !== '') {
        source[name] = value;
        origin.set(name, variable);
        break;
      }
    }
  }
  const result = z.object(shape).safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const variable = origin.get(key) ?? key;
    return `  ${variable}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export const envInt = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const envPort = () => envInt(0, 65535);

export const envBool = () =>
  z
    .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'], { error: 'must be 0 or 1' })
    .transform((value) => ['1', 'true', 'yes', 'on'].includes(value));

/** Comma-separated list; blanks dropped. */
export const envList = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

export const envUrl = (protocols: readonly string[]) =>
  z
    .string()
    .refine((value) => URL.canParse(value), 'must be a URL')
    .refine(
      (value) => protocols.includes(new URL(value).protocol),
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
