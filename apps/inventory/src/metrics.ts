import { metricsPerRegistry } from '@oos/service-kit';
import { Counter } from 'prom-client';

export type ReservationOutcome = 'reserved' | 'repeat' | 'insufficient_stock' | 'conflict';

/** Inventory's domain counters, on the app's registry (each app instance has its own). */
export interface InventoryMetrics {
  reservations: Counter<'outcome'>;
  /** `released` gave units back; `repeat` found the reservation already released (or never held). */
  releases: Counter<'outcome'>;
  stockSet: Counter;
}

export const inventoryMetrics = metricsPerRegistry((registers): InventoryMetrics => {
  return {
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
});
