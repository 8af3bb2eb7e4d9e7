import type { UpstreamHooks } from '@oos/resilience';
import type { Logger } from '@oos/service-kit';
import { BREAKER_STATE_VALUE, type GatewayMetrics } from './metrics.ts';
import { currentRequestId } from './request-scope.ts';

const withRequestId = (fields: Record<string, unknown>): Record<string, unknown> => {
  const requestId = currentRequestId();
  return requestId === undefined ? fields : { ...fields, request_id: requestId };
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
  metrics?.breakerState.set({ upstream: name }, BREAKER_STATE_VALUE.closed);
  return {
    onStateChange: ({ from, to }) => {
      metrics?.breakerState.set({ upstream: name }, BREAKER_STATE_VALUE[to]);
      log.warn('circuit breaker state changed', withRequestId({ from, to }));
    },
    onAttempt: ({ procedure, attempt, outcome, durationMs }) => {
      metrics?.upstreamDuration.observe({ upstream: name, procedure, outcome }, durationMs / 1000);
      const fields = withRequestId({
        procedure,
        attempt,
        outcome,
        duration_ms: Math.round(durationMs * 10) / 10,
      });
      // A domain answer (a 4xx such as a shortage or a decline) is the upstream working as meant.
      if (outcome === 'success' || outcome === 'domain_error') log.info('upstream attempt', fields);
      else log.warn('upstream attempt', fields);
    },
    onRetry: ({ procedure, attempt, error }) => {
      metrics?.upstreamRetries.inc({ upstream: name, procedure });
      log.warn('retrying upstream call', withRequestId({ procedure, attempt, error: messageOf(error) }));
    },
  };
}
