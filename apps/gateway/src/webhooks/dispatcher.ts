import { type OrderEvent, WEBHOOK_HEADERS } from '@oos/contracts';
import type { PrismaClient } from '@oos/db-gateway';
import type { Logger } from '@oos/service-kit';
import { eventKey, eventsByKey } from '../events/event-store.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { periodicPass } from '../periodic-pass.ts';
import { backoffMs } from './backoff.ts';
import type { WebhookConfig, WebhookEndpoint } from './config.ts';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDeliveries,
  fanOut,
  oldestUndelivered,
  recordAttempt,
  registerEndpoints,
  releaseClaim,
} from './delivery-store.ts';
import { signatureHeader } from './signature.ts';

export interface DispatcherDeps {
  db: PrismaClient;
  config: WebhookConfig;
  logger: Logger;
  metrics?: GatewayMetrics;
}

export interface DispatchPass {
  fannedOut: number;
  attempted: number;
  delivered: number;
}

export interface WebhookDispatcher {
  /** Registers the endpoints (a new one is sent what happens from now on); before the gateway listens. */
  init(): Promise<void>;
  /** Runs a pass every `intervalMs` until stopped (passes never overlap). */
  start(): void;
  /** One pass now: fan new events out to the endpoints, then send what is due. */
  runOnce(): Promise<DispatchPass>;
  /** Stops scheduling and waits (at most `graceMs`) for the running pass. */
  stop(graceMs?: number): Promise<void>;
}

// Room for the attempt's write after its timeout, so a claim never lapses while its attempt is still recorded.
const LEASE_MARGIN_MS = 5_000;
const FAN_OUT_BATCHES_PER_PASS = 10;

/**
 * Sends every order event to the webhook endpoints that want it, at least once and in sequence per order
 * (CONTRACT: outbox, issue 17). Like the recovery worker, every replica runs one: deliveries are claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease, so no replica sends a delivery another one is sending. Nothing here runs
 * on a request's path: an order's answer never waits for a receiver.
 */
export function createWebhookDispatcher(deps: DispatcherDeps): WebhookDispatcher {
  const { db, config, metrics } = deps;
  const log = deps.logger.child({ component: 'webhooks' });
  const byUrl = new Map(config.endpoints.map((endpoint) => [endpoint.url, endpoint]));
  const urls = [...byUrl.keys()];
  const leaseMs = Math.max(...config.endpoints.map((endpoint) => endpoint.timeoutMs), 0) + LEASE_MARGIN_MS;

  async function fanOutAll(now: Date): Promise<number> {
    let total = 0;
    const giveUpAt = new Date(now.getTime() + config.horizonMs);
    for (const endpoint of config.endpoints) {
      for (let batch = 0; batch < FAN_OUT_BATCHES_PER_PASS; batch += 1) {
        const { events } = await fanOut(db, endpoint, config.batchSize * 4, now, giveUpAt);
        total += events;
        if (events < config.batchSize * 4) break;
      }
    }
    return total;
  }

  async function attempt(claim: ClaimedDelivery, endpoint: WebhookEndpoint, event: OrderEvent) {
    const body = JSON.stringify(event);
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'oos-gateway-webhooks/1',
          [WEBHOOK_HEADERS.eventId]: event.id,
          [WEBHOOK_HEADERS.eventType]: event.type,
          [WEBHOOK_HEADERS.signature]: signatureHeader(body, config.secret),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(endpoint.timeoutMs),
      });
      statusCode = response.status;
      // The answer's body means nothing here; not reading it would hold the connection.
      await response.body?.cancel().catch(() => undefined);
      if (statusCode < 200 || statusCode > 299) error = `answered ${statusCode}`;
    } catch (cause) {
      error = describeFailure(cause, endpoint.timeoutMs);
    }
    const latencyMs = Math.round(performance.now() - started);
    const now = new Date();
    const delivered = error === null;
    const attempts = claim.attempts + 1;
    const next = new Date(now.getTime() + backoffMs(attempts, config.backoffBaseMs, config.backoffMaxMs));
    const status: AttemptRecord['status'] = delivered
      ? 'DELIVERED'
      : next.getTime() > claim.giveUpAt.getTime()
        ? 'FAILED'
        : 'PENDING';
    const outcome = delivered ? 'delivered' : status === 'FAILED' ? 'failed' : 'retrying';
    metrics?.webhookDeliveryDuration.observe({ outcome }, latencyMs / 1000);
    const recorded = await recordAttempt(db, claim, {
      statusCode,
      error,
      latencyMs,
      at: now,
      status,
      nextAttemptAt: delivered || status === 'FAILED' ? now : next,
    });
    const fields = {
      delivery_id: claim.id,
      event_id: event.id,
      event_type: event.type,
      order_id: event.order_id,
      endpoint: endpoint.url,
      attempt: attempts,
      status_code: statusCode ?? undefined,
      latency_ms: latencyMs,
    };
    if (!recorded) {
      // Our claim lapsed: another dispatcher may be sending it; its own attempt decides.
      log.warn('webhook attempt outlived its claim; not recorded', fields);
      return false;
    }
    metrics?.webhookDeliveries.inc({ outcome });
    if (delivered) log.info('webhook delivered', fields);
    else if (status === 'PENDING')
      log.warn('webhook attempt failed; retrying', { ...fields, error, next_attempt_at: next.toISOString() });
    else {
      log.error('webhook delivery failed for good; POST /api/webhook-deliveries/{id}/retry re-queues it', {
        ...fields,
        error,
      });
    }
    return delivered;
  }

  async function pass(): Promise<DispatchPass> {
    const now = new Date();
    const fannedOut = await fanOutAll(now);
    const claims = await claimDeliveries(db, urls, now, new Date(now.getTime() + leaseMs), config.batchSize);
    const events = await eventsByKey(db, claims);
    const results = await Promise.all(
      claims.map(async (claim) => {
        const endpoint = byUrl.get(claim.endpointUrl);
        const event = events.get(eventKey(claim.orderId, claim.sequence));
        if (!endpoint || !event) {
          // Its event was swept between the claim and now: nothing to send.
          await releaseClaim(db, claim);
          return false;
        }
        try {
          return await attempt(claim, endpoint, event);
        } catch (error) {
          log.error('webhook attempt could not be recorded', {
            delivery_id: claim.id,
            error: error instanceof Error ? error.message : String(error),
          });
          return false;
        }
      }),
    );
    const oldest = await oldestUndelivered(db, urls);
    metrics?.webhookOldestUndelivered.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    return { fannedOut, attempted: claims.length, delivered: results.filter(Boolean).length };
  }

  const periodic = periodicPass(pass, config.intervalMs, (error) => {
    log.error('webhook pass failed', { error: error instanceof Error ? error.message : String(error) });
  });
  return {
    init: () => registerEndpoints(db, urls),
    start: periodic.start,
    runOnce: periodic.runOnce,
    stop: (graceMs = 10_000) => periodic.stop(graceMs),
  };
}

function describeFailure(cause: unknown, timeoutMs: number): string {
  if (cause instanceof DOMException && cause.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms`;
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
