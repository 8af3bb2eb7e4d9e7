import type { CallerContext, UpstreamHooks } from '@oos/resilience';
import type { Logger } from '@oos/service-kit';
import { BREAKER_STATE_VALUE, type GatewayMetrics } from './metrics.ts';

/** The request the call was made for: its id travels in the tRPC operation context (upstreams.ts). */
const withRequestId = (context: CallerContext, fields: Record<string, unknown>): Record<string, unknown> => {
  const requestId = context.requestId;
  return typeof requestId === 'string' ? { ...fields, request_id: requestId } : fields;
};

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Logs and metrics for one upstream: a line per attempt and per retry, a warning per breaker change, and the
 * breaker gauge set from the start (closed) so a dashboard shows every upstream before its first call.
 */
export function upstreamHooks(
  name: string,
  logger: Logger,
  metrics: GatewayMetrics | undefined,
): UpstreamHooks {
  const log = logger.child({ upstream: name });
  // Fixed for the process: a healthy attempt's line is skipped before it is built when info is off.
  const logAttempts = log.isInfoEnabled();
  metrics?.breakerState.set({ upstream: name }, BREAKER_STATE_VALUE.closed);
  return {
    onStateChange: ({ from, to }) => {
      metrics?.breakerState.set({ upstream: name }, BREAKER_STATE_VALUE[to]);
      log.warn('circuit breaker state changed', { from, to });
    },
    onAttempt: ({ procedure, attempt, outcome, durationMs, context }) => {
      metrics?.upstreamDuration.observe({ upstream: name, procedure, outcome }, durationMs / 1000);
      const healthy = outcome === 'success' || outcome === 'domain_error';
      if (healthy && !logAttempts) return;
      const fields = withRequestId(context, {
        procedure,
        attempt,
        outcome,
        duration_ms: Math.round(durationMs * 10) / 10,
      });
      // A domain answer (a 4xx such as a shortage or a decline) is the upstream working as meant.
      if (healthy) log.info('upstream attempt', fields);
      else log.warn('upstream attempt', fields);
    },
    onRetry: ({ procedure, attempt, error, context }) => {
      metrics?.upstreamRetries.inc({ upstream: name, procedure });
      log.warn(
        'retrying upstream call',
        withRequestId(context, { procedure, attempt, error: messageOf(error) }),
      );
    },
  };
}
