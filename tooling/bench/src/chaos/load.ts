import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the clients saw for one Idempotency-Key. */
export interface KeyRecord {
  key: string;
  body: string;
  /** Every order id any answer for this key named. */
  orderIds: Set<string>;
  /** The first final answer (status and body), replays are compared against it. */
  firstFinal: { status: number; body: string } | undefined;
  saw201: boolean;
  attempts: number;
}

export interface ClientObservations {
  keys: Map<string, KeyRecord>;
  /** Orders a cancel was sent for and may have reached the gateway (everything but a 404). */
  cancelRequested: Set<string>;
  /** Replays whose answer differs from the first final answer of their key. */
  replayMismatches: { key: string; first: string; replay: string }[];
  statuses: Record<string, number>;
  cancelStatuses: Record<string, number>;
  /** Cancels answered 404 for an order the clients know exists (the route missing, or a lost order). */
  cancelNotFound: number;
}

export function emptyObservations(): ClientObservations {
  return {
    keys: new Map(),
    cancelRequested: new Set(),
    replayMismatches: [],
    statuses: {},
    cancelStatuses: {},
    cancelNotFound: 0,
  };
}

export interface LoadShape {
  skus: string[];
  /** SKUs with little stock, mixed into some orders so shortages happen. */
  scarceSkus: string[];
  /** Amount above the payments decline threshold, for a share of orders. */
  declinedAmountCents: number;
}

const FINAL_CREATE_STATUSES = new Set([200, 201, 402, 422, 504]);

function isFinalCreate(status: number, body: string): boolean {
  if (FINAL_CREATE_STATUSES.has(status)) return true;
  return status === 409 && body.includes('ORDER_CANCELLED');
}

function orderIdOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    if ('order_id' in parsed && typeof parsed.order_id === 'string') return parsed.order_id;
    if ('id' in parsed && typeof parsed.id === 'string') return parsed.id;
  } catch {
    // Not JSON (a proxy's or a dying server's answer).
  }
  return undefined;
}

function pick<T>(items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[randomInt(items.length)];
}

function count(tally: Record<string, number>, label: string): void {
  tally[label] = (tally[label] ?? 0) + 1;
}

function newOrderBody(shape: LoadShape): string {
  const lines = new Map<string, number>();
  const lineCount = 1 + randomInt(3);
  while (lines.size < lineCount) {
    const sku = pick(shape.skus);
    if (sku !== undefined) lines.set(sku, 1 + randomInt(3));
  }
  const scarce = pick(shape.scarceSkus);
  if (scarce !== undefined && randomInt(10) === 0) lines.set(scarce, 1 + randomInt(2));
  const amount = randomInt(100) < 5 ? shape.declinedAmountCents : 100 + randomInt(50_000);
  return JSON.stringify({
    items: [...lines].map(([sku, quantity]) => ({ sku, quantity })),
    amount_cents: amount,
    currency: pick(['EUR', 'USD', 'GBP']),
  });
}

/** Sends creates, retries, replays and cancels to the gateway and records what every answer said. */
export class LoadGenerator {
  readonly seen: ClientObservations = emptyObservations();
  private readonly unresolved = new Set<string>();
  private readonly resolved: string[] = [];
  private readonly knownOrders: string[] = [];
  created = 0;

  constructor(
    private readonly gatewayUrl: string,
    private readonly shape: LoadShape,
  ) {}

  /** Runs `concurrency` clients until `until` (epoch ms); at most `maxOrders` new keys are created. */
  async run(options: { concurrency: number; until: number; maxOrders: number }): Promise<void> {
    const started = Date.now();
    const span = Math.max(1, options.until - started);
    // Creates are spread over the whole run, so every fault meets orders in flight.
    const createBudget = () =>
      Math.min(options.maxOrders, Math.ceil((options.maxOrders * (Date.now() - started + 1_000)) / span));
    const client = async () => {
      while (Date.now() < options.until) {
        const roll = randomInt(100);
        if (roll < 65 && this.created < createBudget()) await this.createNew();
        else if (roll < 80) await this.retryUnresolved();
        else if (roll < 90) await this.replayResolved();
        else await this.cancelSome();
        if (this.created >= createBudget()) await sleep(20);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, client));
  }

  /** After the faults: retries every key whose outcome the clients never learned, until it is final. */
  async settle(until: number): Promise<number> {
    while (this.unresolved.size > 0 && Date.now() < until) {
      const keys = [...this.unresolved];
      for (let i = 0; i < keys.length; i += 16) {
        await Promise.all(
          keys.slice(i, i + 16).map((key) => {
            const record = this.seen.keys.get(key);
            return record ? this.sendCreate(record) : undefined;
          }),
        );
      }
      if (this.unresolved.size > 0) await sleep(500);
    }
    return this.unresolved.size;
  }

  get unresolvedKeys(): number {
    return this.unresolved.size;
  }

  private async createNew(): Promise<void> {
    this.created += 1;
    const record: KeyRecord = {
      key: `chaos-${randomUUID()}`,
      body: newOrderBody(this.shape),
      orderIds: new Set(),
      firstFinal: undefined,
      saw201: false,
      attempts: 0,
    };
    this.seen.keys.set(record.key, record);
    this.unresolved.add(record.key);
    await this.sendCreate(record);
  }

  private async retryUnresolved(): Promise<void> {
    const key = pick([...this.unresolved].slice(0, 200));
    const record = key === undefined ? undefined : this.seen.keys.get(key);
    if (record) await this.sendCreate(record);
  }

  private async replayResolved(): Promise<void> {
    const key = pick(this.resolved);
    const record = key === undefined ? undefined : this.seen.keys.get(key);
    if (record) await this.sendCreate(record);
  }

  private async cancelSome(): Promise<void> {
    const orderId = pick(this.knownOrders);
    if (orderId === undefined) return;
    try {
      const response = await fetch(`${this.gatewayUrl}/api/orders/${orderId}/cancel/`, {
        method: 'POST',
        signal: AbortSignal.timeout(15_000),
      });
      await response.arrayBuffer();
      count(this.seen.cancelStatuses, String(response.status));
      if (response.status === 404) this.seen.cancelNotFound += 1;
      else this.seen.cancelRequested.add(orderId);
    } catch {
      count(this.seen.cancelStatuses, 'network');
      this.seen.cancelRequested.add(orderId);
    }
  }

  private async sendCreate(record: KeyRecord): Promise<void> {
    record.attempts += 1;
    let status: number;
    let body: string;
    try {
      const response = await fetch(`${this.gatewayUrl}/api/orders/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': record.key },
        body: record.body,
        signal: AbortSignal.timeout(15_000),
      });
      status = response.status;
      body = await response.text();
    } catch {
      count(this.seen.statuses, 'network');
      // The gateway is down (killed) or unreachable: do not spin on refused connections.
      await sleep(100);
      return;
    }
    count(this.seen.statuses, String(status));
    const orderId = orderIdOf(body);
    if (orderId !== undefined) {
      if (!record.orderIds.has(orderId)) this.knownOrders.push(orderId);
      record.orderIds.add(orderId);
    }
    if (status === 201) record.saw201 = true;
    if (!isFinalCreate(status, body)) return;
    if (record.firstFinal === undefined) {
      record.firstFinal = { status, body };
      this.unresolved.delete(record.key);
      this.resolved.push(record.key);
      return;
    }
    if (body !== record.firstFinal.body) {
      this.seen.replayMismatches.push({ key: record.key, first: record.firstFinal.body, replay: body });
    }
  }
}
