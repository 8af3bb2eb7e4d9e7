import { createLogger, type Logger } from '@oos/service-kit';

export interface CapturedLogs {
  logger: Logger;
  /** Every entry with its metadata (request_id, route, ...), in order. */
  entries: Array<Record<string, unknown>>;
}

/** A real service logger, silenced, that keeps every entry it would have written. */
export function captureLogs(service: string): CapturedLogs {
  const logger = createLogger({ service, level: 'info' });
  for (const transport of logger.transports) transport.silent = true;
  const entries: Array<Record<string, unknown>> = [];
  logger.on('data', (info: Record<string, unknown>) => {
    entries.push({ ...info });
  });
  return { logger, entries };
}
