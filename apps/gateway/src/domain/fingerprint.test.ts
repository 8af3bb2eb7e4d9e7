import { describe, expect, it } from 'vitest';
import { canonicalJson, payloadFingerprint } from './fingerprint.ts';

describe('payload fingerprint', () => {
  it('ignores key order, white space and number spelling', () => {
    const a = JSON.parse('{"items":[{"sku":"SKU1","quantity":2}],"amount_cents":1500,"currency":"EUR"}');
    const b = JSON.parse(
      '{ "currency":"EUR", "amount_cents": 1500.0, "items":[{"quantity":2,"sku":"SKU1"}] }',
    );
    expect(canonicalJson(b)).toBe(
      '{"amount_cents":1500,"currency":"EUR","items":[{"quantity":2,"sku":"SKU1"}]}',
    );
    expect(payloadFingerprint(a)).toBe(payloadFingerprint(b));
  });

  it('tells apart what normalisation would merge', () => {
    expect(payloadFingerprint({ sku: 'sku1' })).not.toBe(payloadFingerprint({ sku: 'SKU1' }));
    expect(payloadFingerprint({ currency: 'eur' })).not.toBe(payloadFingerprint({ currency: 'EUR' }));
    expect(payloadFingerprint([1, 2])).not.toBe(payloadFingerprint([2, 1]));
  });
});
