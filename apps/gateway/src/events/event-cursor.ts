/**
 * Where a reader of the events feed stands: after the event at (txid, position) in feed order. Opaque to clients
 * (base64url text), so its form can change without breaking them.
 */
export interface EventCursor {
  txid: bigint;
  position: bigint;
}

export const FEED_START: EventCursor = { txid: 0n, position: 0n };

const FORM = /^v1\.(\d{1,19})\.(\d{1,19})$/;

export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(`v1.${cursor.txid}.${cursor.position}`).toString('base64url');
}

/** The cursor a page handed out, or undefined for anything this feed did not produce. */
export function decodeCursor(text: string): EventCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const match = FORM.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match?.[1] || !match[2]) return undefined;
  const cursor = { txid: BigInt(match[1]), position: BigInt(match[2]) };
  // Both are PostgreSQL bigints.
  const max = 2n ** 63n - 1n;
  return cursor.txid <= max && cursor.position <= max ? cursor : undefined;
}
