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
  const insert = async () => {
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
    return count === 1;
  };
  const holder = () => tx.idempotencyKey.findUniqueOrThrow({ where: { scope_key: where } });
  // A new key (the usual case) costs one statement; only a key that is taken is looked at.
  if (await insert()) return undefined;
  const existing = await holder();
  if (existing.expiresAt > now) return existing;
  // Expired: deleted only while still expired (a racing claim may have just taken it afresh), then claimed anew.
  await tx.idempotencyKey.deleteMany({ where: { ...where, expiresAt: { lte: now } } });
  return (await insert()) ? undefined : holder();
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
