import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OrderEvent } from './types.ts';

export interface VerifyWebhookOptions {
  /** How old (or how far ahead) the signed timestamp may be; default 300 seconds. */
  toleranceSeconds?: number;
  /** The receiver's clock; default now. */
  now?: Date;
}

/** Why a delivery was refused: a receiver should answer it with 400 and not process the body. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}

const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Checks a webhook delivery the gateway signed (`Oos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`) and returns its event. `rawBody` must be the bytes as received, before any JSON parsing. The
 * signature is compared in constant time, and a timestamp outside the tolerance is refused, so a delivery captured
 * on the way cannot be replayed later. Throws WebhookVerificationError saying what did not match.
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  // As node:http types `req.headers['oos-signature']` (an array only if the header came more than once).
  signatureHeader: string | readonly string[] | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): OrderEvent {
  const header = typeof signatureHeader === 'string' ? signatureHeader : signatureHeader?.join(',');
  if (!header) throw new WebhookVerificationError('no Oos-Signature header');
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator <= 0) continue;
    const key = item.slice(0, separator).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(separator + 1).trim()]);
  }
  const timestamp = parts.get('t')?.[0];
  const signatures = parts.get('v1') ?? [];
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    throw new WebhookVerificationError('Oos-Signature is not of the form t=<seconds>,v1=<hex>');
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(`the signature's timestamp is more than ${tolerance} s from now`);
  }
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  // Several v1 values are allowed (a secret being rotated); one must match.
  const matches = signatures.some((signature) => {
    if (!/^[0-9a-f]{64}$/i.test(signature)) return false;
    return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
  });
  if (!matches) throw new WebhookVerificationError('the signature does not match the body and the secret');
  try {
    // Signed by the gateway with the receiver's secret: the body is the gateway's OrderEvent.
    const event: OrderEvent = JSON.parse(body.toString('utf8'));
    return event;
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
}
