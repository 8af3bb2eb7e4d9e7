import { type EnvSource, envInt, parseEnv, readServiceConfig, type ServiceConfig } from '@oos/service-kit';

export interface PaymentsConfig extends ServiceConfig {
  /** Charges above this many cents are declined, so a decline can be produced on purpose. */
  declineAboveCents: number;
}

const paymentsShape = {
  PAYMENTS_DECLINE_ABOVE_CENTS: envInt(0, Number.MAX_SAFE_INTEGER).default(1_000_000),
};

/** Read once at start; throws a ConfigError naming the variable on any bad value. */
export function readPaymentsConfig(env: EnvSource): PaymentsConfig {
  const service = readServiceConfig('payments', 9002, env);
  const own = parseEnv(paymentsShape, env);
  return { ...service, declineAboveCents: own.PAYMENTS_DECLINE_ABOVE_CENTS };
}
