import type { Express } from 'express';
import { ConfigError, type EnvSource } from './env.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { exitOnFatal, listen, stopOnSignals } from './server.ts';
import type { ServiceConfig, ServiceName } from './service-config.ts';
import { type WarmUpRequest, warmUp } from './warm-up.ts';

export interface StartedService {
  app: Express;
  /** Released in order after the HTTP server has drained (workers first, database last). */
  closers: Array<() => Promise<void>>;
  /** Extra fields for the "listening" log line. */
  details?: Record<string, unknown>;
  /** Sent to the app before it listens (see warmUp): effect-free requests along its hot path. */
  warmUp?: readonly WarmUpRequest[];
}

export interface ServiceSpec<Config extends ServiceConfig> {
  service: ServiceName;
  readConfig: (env: EnvSource) => Config;
  /** Open what the app needs and build it; runs before the port is bound, so readiness is never premature. */
  start: (deps: { config: Config; logger: Logger; metrics: Metrics }) => Promise<StartedService>;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one way an app process starts: validated config (a bad value exits 1 naming the variable), JSON logs,
 * metrics, listen, and a graceful stop on SIGTERM/SIGINT.
 */
export async function runService<Config extends ServiceConfig>(spec: ServiceSpec<Config>): Promise<void> {
  let config: Config;
  try {
    config = spec.readConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${spec.service}: ${error.message}`);
    process.exit(1);
  }
  const logger = createLogger({ service: spec.service, level: config.logLevel });
  exitOnFatal(logger);
  try {
    const started = await spec.start({ config, logger, metrics: createMetrics(spec.service) });
    await warmUp(started.app, started.warmUp ?? []);
    const running = await listen(started.app, config.port, config.host);
    logger.info('listening', { url: running.url, ...started.details });
    stopOnSignals({ logger, running, closers: started.closers });
  } catch (error) {
    logger.error('failed to start', { error: errorMessage(error) });
    process.exit(1);
  }
}
