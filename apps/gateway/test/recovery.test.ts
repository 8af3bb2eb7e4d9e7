import { randomUUID } from 'node:crypto';
import { describeWithPostgres } from '@oos/db-kit/testing';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { invariantViolations } from './invariants.ts';
import { eventually, type Services, startServices } from './services.ts';

const order = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/api/orders/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: Object(await response.json()) };
}

await describeWithPostgres('durable sagas with real gateway processes (PostgreSQL)', () => {
  let services: Services;
  const stockSet = { SKU1: 1000 };
  const finalOrder = (id: string) =>
    eventually(async () => {
      const row = await services.dbs.gateway.order.findUniqueOrThrow({ where: { id } });
      return row.status === 'PENDING' ? undefined : row;
    });

  beforeAll(async () => {
    services = await startServices();
    await services.setStock('SKU1', stockSet.SKU1);
  });
  afterEach(async () => {
    services.payments.setMode('forward');
    await services.killGateways();
  });
  afterAll(async () => {
    await services?.close();
  });

  it('a gateway SIGKILLed between reserve and charge: the restarted one finishes the order with one charge', async () => {
    services.payments.setMode('hold');
    const first = await services.spawnGateway();
    const creating = post(first.url, order).catch(() => undefined);
    // The charge itself must be the held request: the gateway's start-up probe of payments is held too.
    await eventually(async () =>
      services.payments.heldPaths.some((path) => path.startsWith('/trpc/charge')) ? true : undefined,
    );
    const pending = await services.dbs.gateway.order.findFirstOrThrow({ where: { status: 'PENDING' } });
    // Nothing is written between the insert and the final write: the row still says what the insert said, a
    // charge in doubt (whatever resumes the order must settle it, never assume it absent).
    expect(pending).toMatchObject({ reserved: false, charged: false, chargeInDoubt: true });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await creating;
    // The held charge now reaches payments after all: a charge the dead gateway never heard about.
    services.payments.setMode('forward');

    await services.spawnGateway();
    const done = await finalOrder(pending.id);
    const charges = await services.dbs.payments.charge.findMany({ where: { orderId: pending.id } });
    if (done.status === 'CONFIRMED') {
      expect(charges.filter((charge) => charge.status === 'AUTHORIZED')).toHaveLength(1);
      expect(charges[0]?.id).toBe(done.transactionId);
    } else {
      expect(done.status).toBe('FAILED');
      expect(charges.filter((charge) => charge.status === 'AUTHORIZED')).toHaveLength(0);
    }
    expect(charges).toHaveLength(1);
    expect(await invariantViolations(services.dbs, stockSet)).toEqual([]);
  });

  it('payments charges but the reply is lost: the resume gets the same transaction_id; one charge', async () => {
    const gateway = await services.spawnGateway({ RECOVERY_INTERVAL_MS: '60000' });
    services.payments.setMode('drop-reply');
    const lost = await post(gateway.url, order, { 'Idempotency-Key': 'lost-reply' });
    expect(lost.status).toBe(503);
    const id = String(lost.json.order_id);
    expect(services.payments.dropped).toBeGreaterThanOrEqual(1);
    const charged = await services.dbs.payments.charge.findMany({ where: { orderId: id } });
    expect(charged).toHaveLength(1);

    services.payments.setMode('forward');
    const retry = await post(gateway.url, order, { 'Idempotency-Key': 'lost-reply' });
    expect(retry.status).toBe(201);
    expect(retry.json).toMatchObject({ id, status: 'CONFIRMED', transaction_id: charged[0]?.id });
    expect(await services.dbs.payments.charge.count({ where: { orderId: id } })).toBe(1);
    expect(await invariantViolations(services.dbs, stockSet)).toEqual([]);
  });

  it('payments down past the pending timeout: FAILED/TIMED_OUT, stock back, no charge; the key answers 504', async () => {
    const gateway = await services.spawnGateway({ ORDER_PENDING_TIMEOUT_MS: '1000' });
    await services.stopPayments();
    const before = await services.stock('SKU1');
    const down = await post(gateway.url, order, { 'Idempotency-Key': 'timed-out' });
    expect(down.status).toBe(503);
    const id = String(down.json.order_id);
    const failed = await finalOrder(id);
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'TIMED_OUT', released: true });
    expect(await services.stock('SKU1')).toBe(before);
    expect(await services.dbs.payments.charge.count({ where: { orderId: id } })).toBe(0);
    const answer = await post(gateway.url, order, { 'Idempotency-Key': 'timed-out' });
    expect(answer.status).toBe(504);
    expect(answer.json).toEqual({ detail: 'ORDER_TIMED_OUT', order_id: id });

    // The charge request that failed might have reached payments; once payments answers, the worker settles it.
    await services.restartPayments();
    await eventually(async () => {
      const row = await services.dbs.gateway.order.findUniqueOrThrow({ where: { id } });
      const owes = row.chargeInDoubt || (row.charged && !row.refunded);
      return owes ? undefined : row;
    });
    expect(await invariantViolations(services.dbs, stockSet)).toEqual([]);
    expect((await post(gateway.url, order, { 'Idempotency-Key': 'timed-out' })).status).toBe(504);
  });

  it('two workers with separate pools on one database: each pending order is claimed by exactly one', async () => {
    const ids = Array.from({ length: 60 }, () => randomUUID());
    for (const id of ids) {
      await services.dbs.gateway.order.create({
        data: {
          id,
          amountCents: 1500,
          currency: 'EUR',
          items: { create: [{ position: 0, sku: 'SKU1', quantity: 1 }] },
        },
      });
    }
    const workers = [
      services.worker(await services.openGatewayPool(), { batchSize: 7 }),
      services.worker(await services.openGatewayPool(), { batchSize: 7 }),
    ];
    const claims = new Map<string, number>();
    const byWorker = [0, 0];
    for (let round = 0; round < 100; round += 1) {
      const passes = await Promise.all(workers.map((worker) => worker.runOnce()));
      passes.forEach((pass, index) => {
        for (const { orderId } of pass.worked) {
          claims.set(orderId, (claims.get(orderId) ?? 0) + 1);
          byWorker[index] = (byWorker[index] ?? 0) + 1;
        }
      });
      const left = await services.dbs.gateway.order.count({ where: { id: { in: ids }, status: 'PENDING' } });
      if (left === 0) break;
    }
    for (const id of ids) expect(claims.get(id), id).toBe(1);
    expect(byWorker.every((count) => count > 0)).toBe(true);
    expect(await services.dbs.gateway.order.count({ where: { id: { in: ids }, status: 'CONFIRMED' } })).toBe(
      60,
    );
    expect(await invariantViolations(services.dbs, stockSet)).toEqual([]);
  });

  it('SIGTERM: the gateway drains, gives its claims back and exits 0', async () => {
    const gateway = await services.spawnGateway();
    expect((await post(gateway.url, order)).status).toBe(201);
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
    expect(gateway.output()).toContain('"stopped"');
    expect(await services.dbs.gateway.order.count({ where: { lockedUntil: { not: null } } })).toBe(0);
  });
});
