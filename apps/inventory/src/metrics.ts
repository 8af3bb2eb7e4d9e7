import { DomainError } from '@oos/service-kit';
import { Counter, type Registry } from 'prom-client';

export type ReservationOutcome = 'reserved' | 'repeat' | 'insufficient_stock' | 'conflict';

/** Inventory's domain counters, on the app's registry (each app instance has its own). */
export interface InventoryMetrics {
  reservations: Counter<'outcome'>;
  /** `released` gave units back; `repeat` found the reservation already released (or never held). */
  releases: Counter<'outcome'>;
  stockSet: Counter;
}

const byRegistry = new WeakMap<Registry, InventoryMetrics>();

export function inventoryMetrics(registry: Registry): InventoryMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: InventoryMetrics = {
    reservations: new Counter({
      name: 'reservations_total',
      help: 'Reserve calls by outcome (reserved, repeat, insufficient_stock, conflict)',
      labelNames: ['outcome'],
      registers,
    }),
    releases: new Counter({
      name: 'releases_total',
      help: 'Release calls by outcome (released, repeat)',
      labelNames: ['outcome'],
      registers,
    }),
    stockSet: new Counter({ name: 'stock_set_total', help: 'Stock levels set', registers }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/** The contract code a procedure failed with (domainError's cause), if it failed with one. */
export function domainCodeOf(error: unknown): string | undefined {
  return error instanceof Error && error.cause instanceof DomainError ? error.cause.code : undefined;
}
