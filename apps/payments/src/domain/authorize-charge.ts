import { randomUUID } from 'node:crypto';
import type { ChargeInput, ChargeOutput } from '@oos/contracts';
import { ChargeStatus, Prisma, type Statements } from '@oos/db-payments';
import { domainError } from '@oos/service-kit';
import { z } from 'zod';
import { fingerprintOf } from './fingerprint.ts';

export interface AuthorizeChargeRequest {
  idempotencyKey: string;
  input: ChargeInput;
  declineAboveCents: number;
  /** Told whether this call made the charge or found one made under its key (metrics). */
  onRecorded?: (made: boolean) => void;
}

const chargeRowSchema = z.tuple([
  z.object({ id: z.string(), fingerprint: z.string(), status: z.enum(ChargeStatus), made: z.boolean() }),
]);

/**
 * One row per idempotency key, written before anything is answered. The insert skips a key that already exists
 * (`ON CONFLICT DO NOTHING`, which waits for a racing insert of the same key to commit), so however many calls race,
 * exactly one row wins and every call answers from that row: same payload → same transaction, other payload → 409.
 * Declines are stored too, so a repeat keeps answering 402 even if the limit changes meanwhile.
 *
 * One statement: the `authorize_charge` function (migration 20261201100000) inserts, or finds the row that won.
 */
export async function authorizeCharge(
  statements: Statements,
  request: AuthorizeChargeRequest,
): Promise<ChargeOutput> {
  const { idempotencyKey, input, declineAboveCents } = request;
  const fingerprint = fingerprintOf({
    order_id: input.order_id,
    amount_cents: input.amount_cents,
    currency: input.currency,
  });
  const status = input.amount_cents > declineAboveCents ? ChargeStatus.DECLINED : ChargeStatus.AUTHORIZED;
  const [charge] = chargeRowSchema.parse(
    await statements.rows(Prisma.sql`
      SELECT "id", "fingerprint", "status", "made"
        FROM authorize_charge(CAST(${randomUUID()} AS uuid), ${idempotencyKey}, ${fingerprint}, ${input.order_id},
                              ${input.amount_cents}, ${input.currency}, CAST(${status} AS "ChargeStatus"))`),
  );
  if (charge.fingerprint !== fingerprint) throw domainError('IDEMPOTENCY_CONFLICT');
  request.onRecorded?.(charge.made);
  if (charge.status === ChargeStatus.DECLINED) throw domainError('PAYMENT_FAILED');
  // A refunded charge was still authorized once: the replay answers what the first call answered.
  return { charged: true, transaction_id: charge.id };
}
