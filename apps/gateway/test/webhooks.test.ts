import { describeWithPostgres } from '@oos/db-kit/testing';
import { verifyWebhook, WebhookVerificationError } from '@oos/sdk';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { scrape } from './prometheus-text.ts';
import { eventually, type Services, startServices, until } from './services.ts';
import { type Receipt, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const SECRET = 'webhook-test-secret-0123456789';
const order = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

async function post(url: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: Object(await response.json()) };
}

/** A gateway sending every event to `receiver`, quickly: short pass interval and backoff. */
const hooks = (receiver: WebhookReceiver, options = '|timeout=1000', extra: Record<string, string> = {}) => ({
  WEBHOOK_URLS: `${receiver.url}${options}`,
  WEBHOOK_SECRET: SECRET,
  WEBHOOK_INTERVAL_MS: '50',
  WEBHOOK_BACKOFF_BASE_MS: '20',
  WEBHOOK_BACKOFF_MAX_MS: '100',
  ...extra,
});

/** The event a receipt carries, checked the way a receiver checks it. */
const eventOf = (receipt: Receipt) => verifyWebhook(receipt.body, receipt.signature, SECRET);

await describeWithPostgres('webhooks from real gateway processes to real receivers (PostgreSQL)', () => {
  let services: Services;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (...args: Parameters<typeof startWebhookReceiver>) => {
    const started = await startWebhookReceiver(...args);
    receivers.push(started);
    return started;
  };
  const receiptsOf = (target: WebhookReceiver, orderId: string) =>
    target.receipts.filter((receipt) => eventOf(receipt).order_id === orderId);
  const deliveryOf = (endpointUrl: string, orderId: string, sequence: number) =>
    services.dbs.gateway.webhookDelivery.findUniqueOrThrow({
      where: { orderId_endpointUrl_sequence: { orderId, endpointUrl, sequence } },
      include: { attemptLog: { orderBy: { attempt: 'asc' } } },
    });

  beforeAll(async () => {
    services = await startServices();
    await services.setStock('SKU1', 1000);
  });
  afterEach(async () => {
    await services.killGateways();
    for (const started of receivers.splice(0)) await started.close();
  });
  afterAll(async () => {
    await services?.close();
  });

  it('a receiver answering 500 twice then 200 gets the event three times, same id, validly signed', async () => {
    const target = await receiver((receipt) =>
      receipt.eventType === 'order.created' && receipt.nth <= 2 ? 500 : 200,
    );
    const gateway = await services.spawnGateway(hooks(target));
    const created = await post(gateway.url, '/api/orders/', order);
    expect(created.status).toBe(201);
    const orderId = String(created.json.id);
    await until(
      () => target.delivered().filter((receipt) => eventOf(receipt).order_id === orderId).length === 2,
    );

    const receipts = receiptsOf(target, orderId);
    const first = receipts.filter((receipt) => receipt.eventType === 'order.created');
    expect(first.map((receipt) => receipt.answered)).toEqual([500, 500, 200]);
    expect(new Set(first.map((receipt) => receipt.eventId)).size).toBe(1);
    for (const receipt of receipts) {
      const event = eventOf(receipt);
      expect(event.id).toBe(receipt.eventId);
      expect(event.type).toBe(receipt.eventType);
    }
    // In sequence: the confirmation went out only once the creation had been answered 2xx.
    expect(receipts.map((receipt) => [receipt.eventType, receipt.answered])).toEqual([
      ['order.created', 500],
      ['order.created', 500],
      ['order.created', 200],
      ['order.confirmed', 200],
    ]);
    const confirmation = receipts[3];
    if (!confirmation) throw new Error('no confirmation received');
    expect(eventOf(confirmation).data).toMatchObject({ id: orderId, status: 'CONFIRMED' });

    const delivery = await deliveryOf(target.url, orderId, 1);
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, lastStatusCode: 200 });
    expect(delivery.attemptLog.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
    // The confirmation was answered; its record follows a moment later.
    await until(async () => (await deliveryOf(target.url, orderId, 2)).status === 'DELIVERED');
    const metrics = await scrape(gateway.url);
    expect(metrics.get('webhook_deliveries_total{outcome="retrying"}')).toBe(2);
    expect(metrics.get('webhook_deliveries_total{outcome="delivered"}')).toBe(2);
    expect(metrics.get('order_events_written_total{type="order.created"}')).toBe(1);
    expect(metrics.get('order_events_written_total{type="order.confirmed"}')).toBe(1);
    // Nothing waits any more: the oldest undelivered age drops back to 0 by the next pass.
    await until(
      async () => (await scrape(gateway.url)).get('webhook_oldest_undelivered_event_age_seconds') === 0,
    );
  });

  it('verifyWebhook accepts a real delivery and rejects a tampered body, a wrong secret and an old timestamp', async () => {
    const target = await receiver();
    const gateway = await services.spawnGateway(hooks(target));
    const orderId = String((await post(gateway.url, '/api/orders/', order)).json.id);
    await until(
      () => target.delivered().filter((receipt) => eventOf(receipt).order_id === orderId).length === 2,
    );
    const [receipt] = receiptsOf(target, orderId);
    if (!receipt) throw new Error('no receipt');
    expect(verifyWebhook(receipt.body, receipt.signature, SECRET, { toleranceSeconds: 60 }).id).toBe(
      receipt.eventId,
    );
    const tampered = receipt.body.replace('"PENDING"', '"CONFIRMED"');
    expect(tampered).not.toBe(receipt.body);
    expect(() => verifyWebhook(tampered, receipt.signature, SECRET)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(receipt.body, receipt.signature, `${SECRET}x`)).toThrow(/does not match/);
    const later = new Date(Date.now() + 10 * 60 * 1000);
    expect(() => verifyWebhook(receipt.body, receipt.signature, SECRET, { now: later })).toThrow(/timestamp/);
  });

  it('a receiver that never answers in time is retried until the horizon, then the delivery is failed; a retry request sends it again', async () => {
    const target = await receiver(() => 'hold');
    const gateway = await services.spawnGateway(
      hooks(target, '|order.created|timeout=200', { WEBHOOK_RETRY_HORIZON_MS: '1500' }),
    );
    const orderId = String((await post(gateway.url, '/api/orders/', order)).json.id);
    // While its delivery is being retried, the event's age is what the oldest-undelivered gauge shows.
    await until(
      async () => ((await scrape(gateway.url)).get('webhook_oldest_undelivered_event_age_seconds') ?? 0) > 0,
    );
    const failed = await eventually(async () => {
      const delivery = await deliveryOf(target.url, orderId, 1).catch(() => undefined);
      return delivery?.status === 'FAILED' ? delivery : undefined;
    });
    expect(failed.attempts).toBeGreaterThanOrEqual(2);
    for (const attempt of failed.attemptLog) {
      expect(attempt).toMatchObject({ statusCode: null, error: 'no answer within 200 ms' });
    }
    // The endpoint only wants order.created: the confirmation was never queued for it.
    await expect(deliveryOf(target.url, orderId, 2)).rejects.toThrow();
    expect((await scrape(gateway.url)).get('webhook_deliveries_total{outcome="failed"}')).toBe(1);

    // What an operator finds it by: the failed deliveries, here of this order.
    const listed = await fetch(`${gateway.url}/api/webhook-deliveries/?status=FAILED&order_id=${orderId}`);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      results: [
        expect.objectContaining({
          id: failed.id,
          order_id: orderId,
          event_type: 'order.created',
          endpoint: target.url,
          status: 'FAILED',
          attempts: failed.attempts,
          last_error: 'no answer within 200 ms',
        }),
      ],
    });
    for (const query of ['status=GIVEN_UP', 'order_id=nope', 'limit=0']) {
      const refused = await fetch(`${gateway.url}/api/webhook-deliveries/?${query}`);
      expect(refused.status, query).toBe(400);
      expect(JSON.stringify(await refused.json()), query).toContain(query.split('=')[0]);
    }

    target.setAnswer(() => 204);
    const retried = await post(gateway.url, `/api/webhook-deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.json).toMatchObject({ id: failed.id, status: 'PENDING', event_type: 'order.created' });
    const delivered = await eventually(async () => {
      const delivery = await deliveryOf(target.url, orderId, 1);
      return delivery.status === 'DELIVERED' ? delivery : undefined;
    });
    expect(delivered.attemptLog.at(-1)?.statusCode).toBe(204);
    const ids = new Set(target.receipts.map((receipt) => receipt.eventId));
    expect(ids.size).toBe(1);

    expect(await post(gateway.url, `/api/webhook-deliveries/${failed.id}/retry`)).toEqual({
      status: 409,
      json: { detail: 'DELIVERY_NOT_FAILED' },
    });
    for (const id of ['00000000-0000-4000-8000-00000000000a', 'nope']) {
      expect(await post(gateway.url, `/api/webhook-deliveries/${id}/retry`)).toEqual({
        status: 404,
        json: { detail: 'NOT_FOUND' },
      });
    }
  });

  it('a 410 is not special: retried like any other non-2xx', async () => {
    const target = await receiver((receipt) => (receipt.nth === 1 ? 410 : 200));
    const gateway = await services.spawnGateway(hooks(target, '|order.confirmed'));
    const orderId = String((await post(gateway.url, '/api/orders/', order)).json.id);
    const delivered = await eventually(async () => {
      const delivery = await deliveryOf(target.url, orderId, 2).catch(() => undefined);
      return delivery?.status === 'DELIVERED' ? delivery : undefined;
    });
    expect(delivered.attemptLog.map((attempt) => attempt.statusCode)).toEqual([410, 200]);
  });

  it('SIGKILL after the final write and before any delivery: the restarted gateway delivers the events', async () => {
    const target = await receiver();
    // A first pass only after ten minutes: this gateway never delivers anything.
    const first = await services.spawnGateway(
      hooks(target, '|timeout=1000', { WEBHOOK_INTERVAL_MS: '600000' }),
    );
    const created = await post(first.url, '/api/orders/', order);
    expect(created.status).toBe(201);
    const orderId = String(created.json.id);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(target.receipts).toHaveLength(0);

    await services.spawnGateway(hooks(target));
    await until(() => target.delivered().length === 2);
    expect(target.receipts.map((receipt) => [eventOf(receipt).order_id, receipt.eventType])).toEqual([
      [orderId, 'order.created'],
      [orderId, 'order.confirmed'],
    ]);
  });

  it('SIGKILL during a delivery: it is delivered again with the same id, never lost', async () => {
    const target = await receiver(() => 'hold');
    const first = await services.spawnGateway(hooks(target, '|order.confirmed|timeout=1000'));
    const orderId = String((await post(first.url, '/api/orders/', order)).json.id);
    await until(() => target.receipts.length === 1);
    first.child.kill('SIGKILL');
    await first.exited;
    target.setAnswer(() => 200);

    // The dead gateway's claim lapses (its timeout plus a margin), then the new one sends it again.
    await services.spawnGateway(hooks(target, '|order.confirmed|timeout=1000'));
    await until(() => target.delivered().length === 1);
    const [held, again] = target.receipts;
    if (!held || !again) throw new Error('the event was not received twice');
    expect(held.answered).toBeUndefined();
    expect(again.eventId).toBe(held.eventId);
    expect(again.nth).toBe(2);
    expect(eventOf(again)).toMatchObject({ order_id: orderId, type: 'order.confirmed' });
    // The receiver has answered; the gateway records it a moment later.
    await until(async () => (await deliveryOf(target.url, orderId, 2)).status === 'DELIVERED');
  });

  it('two replicas, one receiver: every event delivered, none sent twice at once, each order in sequence', async () => {
    let answered = 0;
    const target = await receiver(async (receipt) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answered += 1;
      // Some first attempts fail, so retries run beside new deliveries on both replicas.
      return receipt.nth === 1 && answered % 4 === 0 ? 503 : 200;
    });
    // A lease long enough that no replica's recovery worker takes over an order a loaded machine is slow with.
    const env = hooks(target, '|timeout=1000', { RECOVERY_LEASE_MS: '30000' });
    const replicas = [await services.spawnGateway(env), await services.spawnGateway(env)];
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        post((replicas[index % 2] ?? replicas[0])?.url ?? '', '/api/orders/', order),
      ),
    );
    const orderIds = answers.map((answer) => {
      expect(answer.status).toBe(201);
      return String(answer.json.id);
    });
    const events = await services.dbs.gateway.orderEvent.findMany({ where: { orderId: { in: orderIds } } });
    expect(events).toHaveLength(48);
    await until(() => new Set(target.delivered().map((receipt) => receipt.eventId)).size === 48);

    expect(target.maxConcurrentPerEvent()).toBe(1);
    const deliveredIds = target.delivered().map((receipt) => receipt.eventId);
    expect(new Set(deliveredIds).size).toBe(deliveredIds.length);
    for (const orderId of orderIds) {
      const types = receiptsOf(target, orderId).map((receipt) => receipt.eventType);
      const firstConfirmed = types.indexOf('order.confirmed');
      expect(types.lastIndexOf('order.created')).toBeLessThan(firstConfirmed);
    }
  });
});
