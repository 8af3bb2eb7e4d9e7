import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level. Numbers go through JSON.stringify of the parsed value, so `1500`
 * and `1500.0` read the same, while strings are compared exactly (`"sku1"` is not `"SKU1"`).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What "same payload" means for an idempotency key: the parsed request body, before any normalisation. */
export function payloadFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
