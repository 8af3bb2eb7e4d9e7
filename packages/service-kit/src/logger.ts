import winston from 'winston';
import type { LogLevel } from './env.ts';

export type Logger = winston.Logger;

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** Human-readable lines for `pnpm dev`; JSON (one object per line) everywhere else. */
  pretty?: boolean;
}

export function createLogger({
  service,
  level,
  pretty = process.env.OOS_PRETTY_LOGS === '1',
}: LoggerOptions): Logger {
  // winston formats every line before its transports compare levels: drop the disabled ones first, so a
  // debug or info call below LOG_LEVEL costs next to nothing instead of a timestamp and a JSON serialisation.
  const enabled = winston.config.npm.levels[level] ?? 0;
  const belowLevel = winston.format((info) =>
    (winston.config.npm.levels[info.level] ?? 0) <= enabled ? info : false,
  );
  const format = pretty
    ? winston.format.combine(
        belowLevel(),
        winston.format.timestamp(),
        winston.format.colorize(),
        winston.format.printf(({ timestamp, level: lvl, message, service: _service, ...rest }) => {
          const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
          return `${String(timestamp)} ${lvl} ${String(message)}${extra}`;
        }),
      )
    : winston.format.combine(belowLevel(), winston.format.timestamp(), winston.format.json());
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format,
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
}
