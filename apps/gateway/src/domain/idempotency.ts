import type { IdempotencyKey, Prisma, PrismaClient } from '@oos/db-gateway';
import type { OrderAnswer } from './order-answer.ts';

export type KeyScope = 'create' | 'cancel';

export interface KeyClaim {
  scope: KeyScope;
  key: string;
  fingerprint: string;
  orderId: string;
  ttlHours: number;
}

/**
 * Claims `(scope, key)` inside the caller's transaction through the primary key: of any number of concurrent
 * claims exactly one inserts. An expired key is free again. Returns undefined when this call won the claim,
 * otherwise the live claim that holds the key.
 */
export async function claimKey(
  tx: Prisma.TransactionClient,
  claim: KeyClaim,
): Promise<IdempotencyKey | undefined> {
  const now = new Date();
  const where = { scope: claim.scope, key: claim.key };
  await tx.idempotencyKey.deleteMany({ where: { ...where, expiresAt: { lte: now } } });
  const { count } = await tx.idempotencyKey.createMany({
    data: [
      {
        ...where,
        fingerprint: claim.fingerprint,
        orderId: claim.orderId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + claim.ttlHours * 3_600_000),
      },
    ],
    skipDuplicates: true,
  });
  if (count === 1) return undefined;
  return tx.idempotencyKey.findUniqueOrThrow({ where: { scope_key: where } });
}

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
