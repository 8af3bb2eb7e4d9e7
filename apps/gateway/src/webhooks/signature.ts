import { createHmac } from 'node:crypto';

/**
 * `Oos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: Stripe's scheme, so receivers know how
 * to check it (`verifyWebhook` in @oos/sdk does). The timestamp is signed with the body, so a captured delivery
 * cannot be replayed later with a fresh one.
 */
export function signatureHeader(body: string, secret: string, now = new Date()): string {
  const t = Math.floor(now.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
