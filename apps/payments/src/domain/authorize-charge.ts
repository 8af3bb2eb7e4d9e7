import type { ChargeInput, ChargeOutput } from '@oos/contracts';
import { ChargeStatus, type PrismaClient } from '@oos/db-payments';
import { domainError } from '@oos/service-kit';
import { fingerprintOf } from './fingerprint.ts';

export interface AuthorizeChargeRequest {
  idempotencyKey: string;
  input: ChargeInput;
  declineAboveCents: number;
  /** Told whether this call made the charge or found one made under its key (metrics). */
  onRecorded?: (made: boolean) => void;
}

/**
 * One row per idempotency key, written before anything is answered. The insert skips a key that already exists
 * (`ON CONFLICT DO NOTHING`, which waits for a racing insert of the same key to commit), so however many calls race,
 * exactly one row wins and every call answers from that row: same payload → same transaction, other payload → 409.
 * Declines are stored too, so a repeat keeps answering 402 even if the limit changes meanwhile.
 */
export async function authorizeCharge(
  db: PrismaClient,
  request: AuthorizeChargeRequest,
): Promise<ChargeOutput> {
  const { idempotencyKey, input, declineAboveCents } = request;
  const fingerprint = fingerprintOf({
    order_id: input.order_id,
    amount_cents: input.amount_cents,
    currency: input.currency,
  });
  const inserted = await db.charge.createManyAndReturn({
    data: [
      {
        idempotencyKey,
        fingerprint,
        orderId: input.order_id,
        amountCents: input.amount_cents,
        currency: input.currency,
        status: input.amount_cents > declineAboveCents ? ChargeStatus.DECLINED : ChargeStatus.AUTHORIZED,
      },
    ],
    skipDuplicates: true,
  });
  // The insert returns the row it made; only a key seen before costs a second read.
  const [made] = inserted;
  const charge = made ?? (await db.charge.findUnique({ where: { idempotencyKey } }));
  if (!charge) throw new Error(`charge for idempotency key ${idempotencyKey} vanished after insert`);
  if (charge.fingerprint !== fingerprint) throw domainError('IDEMPOTENCY_CONFLICT');
  request.onRecorded?.(made !== undefined);
  if (charge.status === ChargeStatus.DECLINED) throw domainError('PAYMENT_FAILED');
  // A refunded charge was still authorized once: the replay answers what the first call answered.
  return { charged: true, transaction_id: charge.id };
}
