import { createHash } from 'node:crypto';

// A fixed namespace for the gateway's event ids (RFC 9562 name-based UUIDs, version 5).
const NAMESPACE = Buffer.from('6f6f7331a6e54c1e9b3a0d2c5e7f8a90', 'hex');

/**
 * The public id of an order's event: a UUIDv5 of (order id, sequence). Every reader and every delivery derives the
 * same id for the same event, so the outbox stores no id column and no index for it.
 */
export function orderEventId(orderId: string, sequence: number): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${orderId.toLowerCase()}/${sequence}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
