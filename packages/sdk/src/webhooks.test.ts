import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type OrderEvent, verifyWebhook, WebhookVerificationError } from './index.ts';

const SECRET = 'whsec-test-0123456789abcdef';
const EVENT: OrderEvent = {
  id: '0f3c9a52-2222-4b4b-9c9c-000000000001',
  type: 'order.confirmed',
  order_id: '6f1c1d2e-1111-4a4a-8b8b-000000000001',
  sequence: 2,
  created_at: '2026-12-01T10:00:00.000Z',
  data: {
    id: '6f1c1d2e-1111-4a4a-8b8b-000000000001',
    status: 'CONFIRMED',
    items: [{ sku: 'SKU1', quantity: 1 }],
    amount_cents: 1500,
    currency: 'EUR',
    transaction_id: 'txn_1',
    created_at: '2026-12-01T10:00:00.000Z',
    updated_at: '2026-12-01T10:00:00.000Z',
  },
};
const BODY = JSON.stringify(EVENT);
const SENT_AT = new Date('2026-12-01T10:00:05.000Z');

/** What the gateway sends (apps/gateway/src/webhooks/signature.ts), rewritten here: the SDK imports no gateway code. */
function gatewaySignature(body: string, secret: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

const refusal = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('verifyWebhook accepted the delivery');
};

describe('verifyWebhook', () => {
  it('accepts a body signed the way the gateway signs it, and returns its event', () => {
    const header = gatewaySignature(BODY, SECRET, SENT_AT);
    expect(verifyWebhook(BODY, header, SECRET, { now: SENT_AT })).toEqual(EVENT);
  });

  it('accepts the raw bytes as well as a string, including non-ASCII text', () => {
    const body = JSON.stringify({ ...EVENT, data: { ...EVENT.data, note: 'café ±' } });
    const header = gatewaySignature(body, SECRET, SENT_AT);
    const bytes = new TextEncoder().encode(body);
    expect(verifyWebhook(bytes, header, SECRET, { now: SENT_AT })).toMatchObject({ id: EVENT.id });
    expect(verifyWebhook(Buffer.from(body), header, SECRET, { now: SENT_AT })).toMatchObject({
      id: EVENT.id,
    });
  });

  it('accepts a timestamp within the tolerance, either side of the receiver clock', () => {
    const header = gatewaySignature(BODY, SECRET, SENT_AT);
    const later = new Date(SENT_AT.getTime() + 299_000);
    const earlier = new Date(SENT_AT.getTime() - 299_000);
    expect(verifyWebhook(BODY, header, SECRET, { now: later }).id).toBe(EVENT.id);
    expect(verifyWebhook(BODY, header, SECRET, { now: earlier }).id).toBe(EVENT.id);
  });

  it('refuses a tampered body', () => {
    const header = gatewaySignature(BODY, SECRET, SENT_AT);
    const tampered = BODY.replace('"amount_cents":1500', '"amount_cents":1');
    expect(tampered).not.toBe(BODY);
    const error = refusal(() => verifyWebhook(tampered, header, SECRET, { now: SENT_AT }));
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toMatchObject({ message: expect.stringMatching(/does not match/) });
    // One byte of white space is a different body too: verify the bytes as received, not re-serialised JSON.
    expect(() => verifyWebhook(`${BODY} `, header, SECRET, { now: SENT_AT })).toThrow(
      WebhookVerificationError,
    );
  });

  it('refuses a signature made with another secret', () => {
    const header = gatewaySignature(BODY, 'another-secret-0123456789', SENT_AT);
    expect(() => verifyWebhook(BODY, header, SECRET, { now: SENT_AT })).toThrow(/does not match/);
  });

  it('refuses a timestamp older than the tolerance (a replayed delivery), and honours toleranceSeconds', () => {
    const header = gatewaySignature(BODY, SECRET, SENT_AT);
    const sixMinutesLater = new Date(SENT_AT.getTime() + 360_000);
    const error = refusal(() => verifyWebhook(BODY, header, SECRET, { now: sixMinutesLater }));
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toMatchObject({ message: expect.stringMatching(/more than 300 s/) });

    const tenSecondsLater = new Date(SENT_AT.getTime() + 10_000);
    expect(() => verifyWebhook(BODY, header, SECRET, { now: tenSecondsLater, toleranceSeconds: 5 })).toThrow(
      /more than 5 s/,
    );
    expect(verifyWebhook(BODY, header, SECRET, { now: sixMinutesLater, toleranceSeconds: 600 }).id).toBe(
      EVENT.id,
    );
  });

  it('refuses a timestamp from the future beyond the tolerance', () => {
    const header = gatewaySignature(BODY, SECRET, new Date(SENT_AT.getTime() + 3_600_000));
    expect(() => verifyWebhook(BODY, header, SECRET, { now: SENT_AT })).toThrow(WebhookVerificationError);
  });

  it('refuses a signature moved to a fresher timestamp (the timestamp is signed with the body)', () => {
    const header = gatewaySignature(BODY, SECRET, SENT_AT);
    const fresh = Math.floor(SENT_AT.getTime() / 1000) + 60;
    const swapped = header.replace(/^t=\d+/, `t=${fresh}`);
    expect(() => verifyWebhook(BODY, swapped, SECRET, { now: SENT_AT })).toThrow(/does not match/);
  });

  it.each([
    ['missing (undefined)', undefined],
    ['missing (null)', null],
    ['empty', ''],
  ])('refuses a %s header', (_name, header) => {
    expect(() => verifyWebhook(BODY, header, SECRET, { now: SENT_AT })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(BODY, header, SECRET, { now: SENT_AT })).toThrow(/no Oos-Signature/);
  });

  it.each([
    ['no v1', () => `t=${Math.floor(SENT_AT.getTime() / 1000)}`],
    ['no t', () => gatewaySignature(BODY, SECRET, SENT_AT).replace(/^t=\d+,/, '')],
    ['a t that is not a number', () => gatewaySignature(BODY, SECRET, SENT_AT).replace(/^t=\d+/, 't=soon')],
    ['a different scheme', () => 'sha256=deadbeef'],
    ['garbage', () => 'not a signature at all'],
  ])('refuses a malformed header: %s', (_name, header) => {
    expect(() => verifyWebhook(BODY, header(), SECRET, { now: SENT_AT })).toThrow(/not of the form/);
  });

  it('refuses a v1 that is not 64 hex digits', () => {
    const t = Math.floor(SENT_AT.getTime() / 1000);
    expect(() => verifyWebhook(BODY, `t=${t},v1=abc`, SECRET, { now: SENT_AT })).toThrow(/does not match/);
    const valid = gatewaySignature(BODY, SECRET, SENT_AT);
    const truncated = valid.slice(0, -2);
    expect(() => verifyWebhook(BODY, truncated, SECRET, { now: SENT_AT })).toThrow(WebhookVerificationError);
  });

  it('accepts a header with several v1 values when one of them matches (a secret being rotated)', () => {
    const t = Math.floor(SENT_AT.getTime() / 1000);
    const ours = /v1=([0-9a-f]{64})/.exec(gatewaySignature(BODY, SECRET, SENT_AT))?.[1];
    const theirs = /v1=([0-9a-f]{64})/.exec(
      gatewaySignature(BODY, 'the-old-secret-0123456789', SENT_AT),
    )?.[1];
    expect(ours).toBeDefined();
    expect(verifyWebhook(BODY, `t=${t},v1=${theirs},v1=${ours}`, SECRET, { now: SENT_AT }).id).toBe(EVENT.id);
    expect(verifyWebhook(BODY, `t=${t}, v1=${ours}, v1=${theirs}`, SECRET, { now: SENT_AT }).id).toBe(
      EVENT.id,
    );
    expect(() =>
      verifyWebhook(BODY, `t=${t},v1=${theirs},v1=${'0'.repeat(64)}`, SECRET, { now: SENT_AT }),
    ).toThrow(/does not match/);
  });

  it('takes the header as node:http types it: a string, or the values of a repeated header', () => {
    const header = gatewaySignature(BODY, SECRET, SENT_AT);
    const [t, v1] = header.split(',');
    expect(verifyWebhook(BODY, [header], SECRET, { now: SENT_AT }).id).toBe(EVENT.id);
    expect(verifyWebhook(BODY, [`${t}`, `${v1}`], SECRET, { now: SENT_AT }).id).toBe(EVENT.id);
    expect(() => verifyWebhook(BODY, [], SECRET, { now: SENT_AT })).toThrow(/no Oos-Signature/);
  });

  it('refuses a correctly signed body that is not JSON', () => {
    const header = gatewaySignature('not json', SECRET, SENT_AT);
    expect(() => verifyWebhook('not json', header, SECRET, { now: SENT_AT })).toThrow(/not JSON/);
  });
});
