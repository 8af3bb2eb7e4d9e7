import { createLogger, type Logger } from '@oos/service-kit';

export interface CapturedLines {
  logger: Logger;
  /** Every line exactly as the logger's format wrote it (JSON unless OOS_PRETTY_LOGS=1), in order. */
  lines: string[];
}

const MESSAGE = Symbol.for('message');

/** A real service logger, silenced, that keeps every formatted line it would have written. */
export function captureLines(service: string): CapturedLines {
  const logger = createLogger({ service, level: 'info', pretty: false });
  for (const transport of logger.transports) transport.silent = true;
  const lines: string[] = [];
  logger.on('data', (info: object) => {
    const line: unknown = Reflect.get(info, MESSAGE);
    if (typeof line === 'string') lines.push(line);
  });
  return { logger, lines };
}
