import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from './webhook-receiver.ts';

const SECRET = 'receiver-test-secret-0123456789';
const ORDER_ID = '00000000-0000-4000-8000-00000000000a';
const EVENT = {
  id: '11111111-0000-5000-8000-000000000001',
  type: 'order.created',
  order_id: ORDER_ID,
  sequence: 1,
  created_at: '2026-12-01T10:00:00.000Z',
  data: { id: ORDER_ID, status: 'PENDING' },
};
const NO_FAULTS = { firstAttempt500: 0, slow: 0, slowMs: [0, 0], reset: 0 } as const;

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** A delivery as the gateway sends it (apps/gateway/src/webhooks/dispatcher.ts and signature.ts). */
function send(url: string, body: string, secret = SECRET): Promise<Response> {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'Oos-Event-Id': EVENT.id,
      'Oos-Event-Type': EVENT.type,
      'Oos-Signature': `t=${t},v1=${v1}`,
    },
    body,
  });
}

describe('the chaos webhook receiver', () => {
  it('accepts a signed delivery and records it, and refuses a wrong signature with 400', async () => {
    receiver = await WebhookReceiver.start(SECRET, NO_FAULTS);
    expect((await send(receiver.url, JSON.stringify(EVENT))).status).toBe(204);
    expect((await send(receiver.url, JSON.stringify(EVENT), 'not-the-secret-0123456789')).status).toBe(400);
    expect(receiver.accepted).toEqual([
      {
        arrival: 0,
        eventId: EVENT.id,
        type: EVENT.type,
        orderId: ORDER_ID,
        sequence: 1,
        headerEventId: EVENT.id,
        headerEventType: EVENT.type,
        dataStatus: 'PENDING',
      },
    ]);
    expect(receiver.refused).toEqual([
      { arrival: 1, reason: 'the signature does not match the body and the secret', headerEventId: EVENT.id },
    ]);
  });

  it("answers 500 to an event's first arrival when told to, then accepts the retry", async () => {
    receiver = await WebhookReceiver.start(SECRET, { ...NO_FAULTS, firstAttempt500: 1 });
    expect((await send(receiver.url, JSON.stringify(EVENT))).status).toBe(500);
    expect((await send(receiver.url, JSON.stringify(EVENT))).status).toBe(204);
    expect((await send(receiver.url, JSON.stringify(EVENT))).status).toBe(204);
    expect(receiver.counts).toMatchObject({ requests: 3, injected500: 1, accepted: 2, duplicates: 1 });
    expect(receiver.accepted.map((delivery) => delivery.arrival)).toEqual([1, 2]);
  });

  it('drops the connection with no answer when told to', async () => {
    receiver = await WebhookReceiver.start(SECRET, { ...NO_FAULTS, reset: 1 });
    await expect(send(receiver.url, JSON.stringify(EVENT))).rejects.toThrow();
    expect(receiver.counts).toMatchObject({ requests: 1, injectedReset: 1, accepted: 0 });
  });
});
