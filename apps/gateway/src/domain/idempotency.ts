import type { IdempotencyKey, PrismaClient } from '@oos/db-gateway';
import type { OrderAnswer } from './order-answer.ts';

export type KeyScope = 'create' | 'cancel';

export interface KeyClaim {
  scope: KeyScope;
  key: string;
  fingerprint: string;
  orderId: string;
  ttlHours: number;
}

/** The live claim that holds a key: whose order, with which payload, and its answer once final. */
export type KeyHolder = Pick<
  IdempotencyKey,
  'key' | 'fingerprint' | 'orderId' | 'responseStatus' | 'responseBody'
>;

/** Stores a final answer once; a 503 (and every other non-final answer) is never stored. */
export async function storeAnswer(
  db: PrismaClient,
  claim: Pick<KeyClaim, 'scope' | 'key' | 'orderId'>,
  answer: OrderAnswer,
): Promise<void> {
  await db.idempotencyKey.updateMany({
    where: { scope: claim.scope, key: claim.key, orderId: claim.orderId, responseStatus: null },
    data: { responseStatus: answer.status, responseBody: answer.body },
  });
}

/** Key retention: deletes every key past its `expiresAt` (IDEMPOTENCY_TTL_HOURS after its claim); orders stay. */
export async function sweepExpiredKeys(db: PrismaClient, now = new Date()): Promise<number> {
  const { count } = await db.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
