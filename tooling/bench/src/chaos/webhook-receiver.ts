import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyWebhook, WebhookVerificationError } from '@oos/sdk';

/** One delivery the receiver accepted (answered 2xx after checking its signature). */
export interface AcceptedDelivery {
  /** Arrival order among every request the receiver got (0, 1, 2, …): "first" means lowest. */
  arrival: number;
  eventId: string;
  type: string;
  orderId: string;
  sequence: number;
  /** What the Oos-Event-Id and Oos-Event-Type headers said (they must match the signed body). */
  headerEventId: string | undefined;
  headerEventType: string | undefined;
  /** The status of the order the body carries (`data.status`). */
  dataStatus: string | undefined;
}

/** A request refused because verifyWebhook refused it: the gateway signed something wrong. */
export interface RefusedDelivery {
  arrival: number;
  reason: string;
  headerEventId: string | undefined;
}

export interface ReceiverFaults {
  /** Share of an event's first arrival answered 500 (so the dispatcher has to retry it). */
  firstAttempt500: number;
  /** Share of requests answered late: the answer is held `slowMs` (some beyond the gateway's timeout). */
  slow: number;
  slowMs: readonly [min: number, max: number];
  /** Share of requests whose connection is closed with no answer. */
  reset: number;
}

export const DEFAULT_RECEIVER_FAULTS: ReceiverFaults = {
  firstAttempt500: 0.1,
  slow: 0.04,
  slowMs: [200, 2_000],
  reset: 0.02,
};

export interface ReceiverCounts {
  requests: number;
  accepted: number;
  /** Accepted again: an event the receiver had already accepted (at least once means duplicates happen). */
  duplicates: number;
  refused: number;
  injected500: number;
  injectedSlow: number;
  injectedReset: number;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** The order status a delivered body carries, read defensively: the check reports a malformed body, not a crash. */
function statusOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || !('status' in data)) return undefined;
  return typeof data.status === 'string' ? data.status : undefined;
}

/**
 * The chaos run's webhook endpoint: a real HTTP server that checks every delivery with the SDK's verifyWebhook on
 * the raw body, records what it accepted, and misbehaves on its own (500s on first attempts, slow answers, dropped
 * connections) so the dispatcher's retries are exercised along with the rest of the faults.
 */
export class WebhookReceiver {
  readonly accepted: AcceptedDelivery[] = [];
  readonly refused: RefusedDelivery[] = [];
  readonly counts: ReceiverCounts = {
    requests: 0,
    accepted: 0,
    duplicates: 0,
    refused: 0,
    injected500: 0,
    injectedSlow: 0,
    injectedReset: 0,
  };
  private readonly seenEventIds = new Set<string>();
  private readonly acceptedEventIds = new Set<string>();
  private faults: ReceiverFaults;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly secret: string,
    faults: ReceiverFaults,
  ) {
    this.faults = faults;
  }

  static async start(
    secret: string,
    faults: ReceiverFaults = DEFAULT_RECEIVER_FAULTS,
    random: () => number = () => randomInt(1_000_000) / 1_000_000,
  ): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      void receiver?.handle(req, res, random).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    server.keepAliveTimeout = 5_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (typeof address !== 'object' || address === null)
      throw new Error('the webhook receiver has no address');
    receiver = new WebhookReceiver(server, address.port, secret, faults);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/orders`;
  }

  /** Stops misbehaving: the final drain should not wait on injected faults. */
  setFaults(faults: ReceiverFaults): void {
    this.faults = faults;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, random: () => number): Promise<void> {
    const arrival = this.counts.requests;
    this.counts.requests += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    const raw = Buffer.concat(chunks);
    const headerEventId = header(req, 'oos-event-id');

    if (random() < this.faults.reset) {
      this.counts.injectedReset += 1;
      req.socket.destroy();
      return;
    }
    let event: ReturnType<typeof verifyWebhook>;
    try {
      event = verifyWebhook(raw, header(req, 'oos-signature'), this.secret);
    } catch (error) {
      const reason = error instanceof WebhookVerificationError ? error.message : String(error);
      this.counts.refused += 1;
      this.refused.push({ arrival, reason, headerEventId });
      res.writeHead(400, { 'content-type': 'text/plain' }).end(reason);
      return;
    }
    const firstArrival = !this.seenEventIds.has(event.id);
    this.seenEventIds.add(event.id);
    if (firstArrival && random() < this.faults.firstAttempt500) {
      this.counts.injected500 += 1;
      res.writeHead(500, { 'content-type': 'text/plain' }).end('injected failure');
      return;
    }
    // Accepted: recorded now, when the receiver has made up its mind, even if the answer is late (a slow receiver
    // has processed the event whether or not the gateway waits for its answer).
    this.counts.accepted += 1;
    if (this.acceptedEventIds.has(event.id)) this.counts.duplicates += 1;
    this.acceptedEventIds.add(event.id);
    this.accepted.push({
      arrival,
      eventId: event.id,
      type: event.type,
      orderId: event.order_id,
      sequence: event.sequence,
      headerEventId,
      headerEventType: header(req, 'oos-event-type'),
      dataStatus: statusOf(event.data),
    });
    if (random() < this.faults.slow) {
      this.counts.injectedSlow += 1;
      const [min, max] = this.faults.slowMs;
      await sleep(min + Math.floor(random() * (max - min)));
    }
    if (!res.destroyed) res.writeHead(204).end();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
