import { randomUUID } from 'node:crypto';
import type { OrderStatus } from '@oos/db-gateway';
import { sweepExpiredKeys } from '../domain/idempotency.ts';
import { compensateOrder, settleFailedOrder } from '../domain/order-compensation.ts';
import { type Lease, releaseLease } from '../domain/order-lease.ts';
import { resumeOrder, type SagaDeps, type SagaRun } from '../domain/order-saga.ts';
import { withItems } from '../domain/order-view.ts';
import { sweepOldEvents } from '../events/event-store.ts';
import { recoveryAction, recoveryOutcome } from '../observability/recovery.ts';
import { periodicPass } from '../periodic-pass.ts';
import { claimDueOrders } from './claim.ts';

export interface RecoveryConfig {
  /** Pause between two passes. */
  intervalMs: number;
  /** How long a claim holds an order (each recorded step renews it). */
  leaseMs: number;
  /** Age after which a PENDING order is compensated and marked FAILED/TIMED_OUT. */
  pendingTimeoutMs: number;
  /** Most orders one pass claims (and works on at once). */
  batchSize: number;
  maxBackoffMs: number;
  /** How often expired idempotency keys (and events past their retention) are deleted. */
  keySweepIntervalMs: number;
  /** Events no delivery waits for any more are deleted after this many days. */
  eventRetentionDays: number;
}

export type RecoveryDeps = Omit<SagaDeps, 'leaseMs'> & { config: RecoveryConfig };

export interface RecoveryPass {
  /** The orders this pass claimed, each with the status it was left in. */
  worked: Array<{ orderId: string; status: OrderStatus | 'ERROR' }>;
  keysSwept: number;
  eventsSwept: number;
}

export interface RecoveryWorker {
  /** Runs a pass every `intervalMs` until stopped (passes never overlap). */
  start(): void;
  /** One pass now: sweep keys when due, claim due orders, work on each. */
  runOnce(): Promise<RecoveryPass>;
  /**
   * Stops scheduling, waits (at most `graceMs`) for the running pass, then gives back the claims whose runs
   * have not written since (their lease is still the claim's), so another replica can take them at once.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The gateway's recovery worker (CONTRACT §5.4): finishes what requests left unfinished. Every replica runs
 * one; the claim query makes sure each order is worked by one of them at a time.
 */
export function createRecoveryWorker(deps: RecoveryDeps): RecoveryWorker {
  const { db, config } = deps;
  const log = deps.logger.child({ component: 'recovery' });
  const sagaDeps: SagaDeps = {
    db,
    statements: deps.statements,
    upstreams: deps.upstreams,
    logger: log,
    leaseMs: config.leaseMs,
    metrics: deps.metrics,
  };
  let lastSweep = 0;
  const held = new Set<Lease>();

  async function work(lease: Lease, now: Date): Promise<SagaRun> {
    const order = await db.order.findUniqueOrThrow({ where: { id: lease.orderId }, include: withItems });
    const start = { order, lease };
    // The original request's id, so the resumed calls log under it in every service.
    const call = { requestId: order.requestId ?? randomUUID() };
    const saga: SagaDeps = { ...sagaDeps, logger: log.child({ request_id: call.requestId }) };
    recoveryAction(saga.logger, order, now, config.pendingTimeoutMs);
    if (order.status === 'FAILED') return settleFailedOrder(saga, start, call);
    if (order.cancelRequested) return compensateOrder(saga, start, call, 'CANCELLED');
    if (order.status !== 'PENDING') {
      await releaseLease(db, lease);
      return { order };
    }
    const timedOut = now.getTime() - order.createdAt.getTime() >= config.pendingTimeoutMs;
    // A decline already recorded only needs its release: that failure is the answer, not a timeout.
    if (timedOut && order.failureReason === null) return compensateOrder(saga, start, call, 'TIMED_OUT');
    return resumeOrder(saga, start, call);
  }

  async function pass(): Promise<RecoveryPass> {
    const now = new Date();
    let keysSwept = 0;
    let eventsSwept = 0;
    if (now.getTime() - lastSweep >= config.keySweepIntervalMs) {
      keysSwept = await sweepExpiredKeys(db, now);
      eventsSwept = await sweepOldEvents(
        db,
        new Date(now.getTime() - config.eventRetentionDays * 86_400_000),
      );
      lastSweep = now.getTime();
      if (keysSwept > 0) log.info('expired idempotency keys deleted', { count: keysSwept });
      if (eventsSwept > 0) log.info('order events past their retention deleted', { count: eventsSwept });
    }
    const leases = await claimDueOrders(db, config, now);
    deps.metrics?.recoveryRuns.inc();
    if (leases.length > 0) log.info('recovery pass claimed orders', { count: leases.length });
    for (const lease of leases) held.add(lease);
    const worked = await Promise.all(
      leases.map(async (lease) => {
        try {
          const run = await work(lease, now);
          if (run.interrupted) {
            log.info('order still waiting for an upstream', {
              order_id: lease.orderId,
              step: run.interrupted.step,
            });
          }
          recoveryOutcome(deps.metrics, run);
          return { orderId: lease.orderId, status: run.order.status };
        } catch (error) {
          deps.metrics?.recoveryOrders.inc({ outcome: 'error' });
          log.error('recovery of an order failed', {
            order_id: lease.orderId,
            error: error instanceof Error ? error.message : String(error),
          });
          return { orderId: lease.orderId, status: 'ERROR' as const };
        } finally {
          held.delete(lease);
        }
      }),
    );
    return { worked, keysSwept, eventsSwept };
  }

  const periodic = periodicPass(pass, config.intervalMs, (error) => {
    log.error('recovery pass failed', { error: error instanceof Error ? error.message : String(error) });
  });
  return {
    start: periodic.start,
    runOnce: periodic.runOnce,
    stop: async (graceMs = 10_000) => {
      await periodic.stop(graceMs);
      // Conditional on the claim's own lease value: a run that renewed it is still writing and keeps it.
      await Promise.allSettled([...held].map((lease) => releaseLease(db, lease)));
      held.clear();
    },
  };
}
