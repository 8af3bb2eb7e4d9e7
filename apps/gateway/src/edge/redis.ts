import type { Logger } from '@oos/service-kit';
import { Redis, type RedisOptions } from 'ioredis';

export type RedisState = 'ok' | 'down' | 'not_configured';

/**
 * Options for a Redis client that must never hold a request up: no offline queue (commands fail at once while
 * disconnected instead of waiting), short timeouts, and a reconnect loop that never gives up, so service
 * resumes by itself when Redis returns.
 */
export const FAIL_OPEN_REDIS_OPTIONS = {
  enableOfflineQueue: false,
  connectTimeout: 1_000,
  commandTimeout: 500,
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
} satisfies RedisOptions;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One warning when Redis becomes unusable and one info line when it is back, however many reconnect attempts
 * and failed commands happen in between.
 */
export class RedisAvailability {
  private down = false;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  markDown(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(`redis unavailable: ${this.what} (fail open) until it is back`, {
      error: messageOf(error),
    });
  }

  markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info(`redis available again: ${this.what} resumed`);
  }

  get isDown(): boolean {
    return this.down;
  }
}

export interface FailOpenRedis {
  client: Redis;
  availability: RedisAvailability;
  state(): RedisState;
  /** Settles once the first connection attempt has succeeded or failed; never rejects. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Redis client whose failures are logged once per outage and never crash the process: ioredis emits 'error'
 * on every failed (re)connect, and an EventEmitter without an 'error' listener throws.
 */
export function createFailOpenRedis(url: string, logger: Logger, what: string): FailOpenRedis {
  const client = new Redis(url, FAIL_OPEN_REDIS_OPTIONS);
  const availability = new RedisAvailability(logger, what);
  let closing = false;
  const settled = new Promise<void>((resolve) => {
    client.once('ready', resolve);
    client.once('error', () => resolve());
    client.once('end', resolve);
  });
  client.on('error', (error: unknown) => {
    if (!closing) availability.markDown(error);
  });
  client.on('close', () => {
    if (!closing) availability.markDown(new Error('connection closed'));
  });
  client.on('ready', () => availability.markUp());
  return {
    client,
    availability,
    state: () => (client.status === 'ready' && !availability.isDown ? 'ok' : 'down'),
    settled: () => settled,
    async close() {
      closing = true;
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // Fall through: a connection that cannot say goodbye is simply dropped.
        }
      }
      client.disconnect();
    },
  };
}
