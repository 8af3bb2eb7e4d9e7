import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf } from './fingerprint.ts';

describe('fingerprint', () => {
  it('ignores key order at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(fingerprintOf({ order_id: 'o', amount_cents: 1, currency: 'EUR' })).toBe(
      fingerprintOf({ currency: 'EUR', amount_cents: 1, order_id: 'o' }),
    );
  });

  it('differs when any value differs, and is 64 hex characters', () => {
    const base = fingerprintOf({ order_id: 'o', amount_cents: 1, currency: 'EUR' });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf({ order_id: 'o', amount_cents: 2, currency: 'EUR' })).not.toBe(base);
    expect(fingerprintOf({ order_id: 'o', amount_cents: 1, currency: 'USD' })).not.toBe(base);
    expect(fingerprintOf({ order_id: 'p', amount_cents: 1, currency: 'EUR' })).not.toBe(base);
  });
});
