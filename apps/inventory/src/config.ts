import { type EnvSource, readServiceConfig, type ServiceConfig } from '@oos/service-kit';

export const INVENTORY_DEFAULT_PORT = 9001;

export type InventoryConfig = ServiceConfig;

/** Throws `ConfigError` naming the offending variable; read once at start. */
export function readInventoryConfig(env: EnvSource): InventoryConfig {
  return readServiceConfig('inventory', INVENTORY_DEFAULT_PORT, env);
}
