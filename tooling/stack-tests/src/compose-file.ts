import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseEnvFile } from './env-file.ts';
import { interpolateDeep } from './interpolate.ts';
import { REPO_ROOT } from './repo.ts';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const buildSchema = z.object({
  context: z.string(),
  dockerfile: z.string(),
  args: z.record(z.string(), scalar).default({}),
});

/** A service's networks, listed (`[backend]`) or with per-network settings (`{ edge: { ipv4_address } }`). */
const serviceNetworksSchema = z
  .union([
    z.array(z.string()),
    z.record(z.string(), z.object({ ipv4_address: z.string().optional() }).nullable()),
  ])
  .transform(
    (networks): Record<string, { ipv4_address?: string }> =>
      Array.isArray(networks)
        ? Object.fromEntries(networks.map((name) => [name, {}]))
        : Object.fromEntries(Object.entries(networks).map(([name, settings]) => [name, settings ?? {}])),
  );

const serviceSchema = z.object({
  image: z.string().optional(),
  build: buildSchema.optional(),
  profiles: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
  restart: z.string().optional(),
  environment: z.record(z.string(), scalar.nullable()).default({}),
  ports: z.array(z.string()).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).default({}),
  networks: serviceNetworksSchema.default({}),
  volumes: z.array(z.string()).default([]),
  deploy: z
    .object({
      resources: z.object({ limits: z.object({ cpus: z.string(), memory: z.string() }) }),
    })
    .optional(),
});

export const composeSchema = z.object({
  services: z.record(z.string(), serviceSchema),
  networks: z
    .record(
      z.string(),
      z
        .object({
          internal: z.boolean().optional(),
          ipam: z
            .object({ config: z.array(z.object({ subnet: z.string(), ip_range: z.string().optional() })) })
            .optional(),
        })
        .nullable(),
    )
    .default({}),
  volumes: z.record(z.string(), z.unknown()).default({}),
});

export type ComposeFile = z.output<typeof composeSchema>;
export type ComposeService = z.output<typeof serviceSchema>;

export const COMPOSE_PATH = path.join(REPO_ROOT, 'docker-compose.yml');
export const ENV_EXAMPLE_PATH = path.join(REPO_ROOT, '.env.example');

export function readRawCompose(): unknown {
  return parse(readFileSync(COMPOSE_PATH, 'utf8'));
}

export function readEnvExample(): Map<string, string> {
  return parseEnvFile(readFileSync(ENV_EXAMPLE_PATH, 'utf8'));
}

/** docker-compose.yml as compose would run it for a user whose .env is a copy of .env.example. */
export function readCompose(variables: ReadonlyMap<string, string> = readEnvExample()): ComposeFile {
  return composeSchema.parse(interpolateDeep(readRawCompose(), variables));
}

export function service(compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The service's environment with every value set (compose passes `KEY:` with no value through from the host). */
export function environmentOf(compose: ComposeFile, name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(service(compose, name).environment)) {
    if (value === null) throw new Error(`${name}.environment.${key} has no value`);
    env[key] = value;
  }
  return env;
}
