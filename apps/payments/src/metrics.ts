import { metricsPerRegistry } from '@oos/service-kit';
import { Counter } from 'prom-client';

export type ChargeOutcome = 'authorized' | 'declined' | 'repeat' | 'conflict';

/** Payments' domain counters, on the app's registry (each app instance has its own). */
export interface PaymentsMetrics {
  charges: Counter<'outcome'>;
  /** `refunded`, `repeat` (already refunded or never authorized) or `not_found`. */
  refunds: Counter<'outcome'>;
}

export const paymentsMetrics = metricsPerRegistry((registers): PaymentsMetrics => {
  return {
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
});
