import { DomainError } from '@oos/service-kit';
import { Counter, type Registry } from 'prom-client';

export type ChargeOutcome = 'authorized' | 'declined' | 'repeat' | 'conflict';

/** Payments' domain counters, on the app's registry (each app instance has its own). */
export interface PaymentsMetrics {
  charges: Counter<'outcome'>;
  /** `refunded`, `repeat` (already refunded or never authorized) or `not_found`. */
  refunds: Counter<'outcome'>;
}

const byRegistry = new WeakMap<Registry, PaymentsMetrics>();

export function paymentsMetrics(registry: Registry): PaymentsMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: PaymentsMetrics = {
    charges: new Counter({
      name: 'charges_total',
      help: 'Charge calls by outcome (authorized, declined, repeat, conflict)',
      labelNames: ['outcome'],
      registers,
    }),
    refunds: new Counter({
      name: 'refunds_total',
      help: 'Refund calls by outcome (refunded, repeat, not_found)',
      labelNames: ['outcome'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/** The contract code a procedure failed with (domainError's cause), if it failed with one. */
export function domainCodeOf(error: unknown): string | undefined {
  return error instanceof Error && error.cause instanceof DomainError ? error.cause.code : undefined;
}
