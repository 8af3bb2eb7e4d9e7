import type { RefundInput, RefundOutput } from '@oos/contracts';
import { ChargeStatus, type PrismaClient } from '@oos/db-payments';
import { domainError } from '@oos/service-kit';
import { z } from 'zod';

// Transaction ids are the rows' UUIDs; anything else cannot name a charge (and would be a type error in SQL).
const transactionIdSchema = z.guid();

/**
 * AUTHORIZED → REFUNDED in one conditional update, so of any number of racing refunds exactly one sees a row
 * change. The others (and refunds of declined charges) answer `refunded: false`; an unknown id is a 404.
 */
export async function refundCharge(db: PrismaClient, input: RefundInput): Promise<RefundOutput> {
  const id = transactionIdSchema.safeParse(input.transaction_id);
  if (!id.success) throw domainError('NOT_FOUND');
  const refunded = await db.charge.updateMany({
    where: { id: id.data, status: ChargeStatus.AUTHORIZED },
    data: { status: ChargeStatus.REFUNDED, refundedAt: new Date() },
  });
  if (refunded.count > 0) return { refunded: true };
  const charge = await db.charge.findUnique({ where: { id: id.data }, select: { id: true } });
  if (!charge) throw domainError('NOT_FOUND');
  return { refunded: false };
}
