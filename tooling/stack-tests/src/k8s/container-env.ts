import type { Container } from './objects.ts';

/** Where one variable of a container comes from, and its value when the overlay renders it. */
export interface EnvEntry {
  source: 'configMap' | 'secret' | 'literal';
  value: string | undefined;
  secret?: { name: string; key: string };
}

/**
 * The environment a container starts with, as the kubelet assembles it: `envFrom` ConfigMaps first, then `env`
 * entries (which win). A Secret the overlay does not render (production's, created by the operator) leaves the
 * value unknown but the reference known.
 */
export function containerEnv(
  container: Container,
  configMaps: Map<string, Record<string, string>>,
  secrets: Map<string, Record<string, string>>,
): Map<string, EnvEntry> {
  const env = new Map<string, EnvEntry>();
  for (const from of container.envFrom) {
    if (from.secretRef !== undefined)
      throw new Error(`${container.name}: envFrom secretRef is not reviewed here`);
    const name = from.configMapRef?.name ?? '';
    const data = configMaps.get(name);
    if (data === undefined)
      throw new Error(`${container.name} reads ConfigMap ${name}, which the overlay lacks`);
    for (const [key, value] of Object.entries(data)) env.set(key, { source: 'configMap', value });
  }
  for (const variable of container.env) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref !== undefined) {
      env.set(variable.name, { source: 'secret', value: secrets.get(ref.name)?.[ref.key], secret: ref });
    } else {
      env.set(variable.name, { source: 'literal', value: variable.value ?? '' });
    }
  }
  return env;
}

/** Plain values, for handing to the apps' own config readers. */
export function envValues(env: Map<string, EnvEntry>): Record<string, string> {
  return Object.fromEntries(
    [...env].flatMap(([name, entry]) => (entry.value === undefined ? [] : [[name, entry.value]])),
  );
}

/**
 * Stand-ins for the values of Secrets the overlay does not render (production's): the app's config reader checks
 * that they are there and well-formed, and nothing else about them matters to what the tests read from it.
 */
function standIn(name: string): string {
  if (name.endsWith('_DATABASE_URL')) return 'postgresql://stand-in@database.invalid:5432/stand_in';
  if (name === 'REDIS_URL') return 'redis://redis.invalid:6379/0';
  return 'stand-in-secret-value-of-32-chars';
}

/** The environment as the app's config reader will see it once the operator's Secrets exist. */
export function envForConfigReader(env: Map<string, EnvEntry>): Record<string, string> {
  return Object.fromEntries([...env].map(([name, entry]) => [name, entry.value ?? standIn(name)]));
}
