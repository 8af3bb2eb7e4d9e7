import type { ClientRateLimitInfo, IncrementResponse, Options } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { type RedisReply, RedisStore } from 'rate-limit-redis';
import type { RedisAvailability } from './redis.ts';

type Data = boolean | number | string;

function toData(value: unknown): Data {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  // A Lua `false`/nil comes back from ioredis as null; rate-limit-redis expects `false` for "no value".
  if (value === null || value === undefined) return false;
  if (Buffer.isBuffer(value)) return value.toString();
  throw new TypeError('unexpected reply from redis');
}

/** ioredis replies are `unknown`; rate-limit-redis wants its own reply type. */
export function toRedisReply(value: unknown): RedisReply {
  return Array.isArray(value) ? value.map(toData) : toData(value);
}

/**
 * rate-limit-redis 6.0.1 loads its Lua scripts once, in `init()`, and keeps the promises. If Redis is unreachable
 * then, those promises stay rejected forever: every later EVALSHA awaits the rejected SHA, fails with the old
 * connection error (not NOSCRIPT, the only case it reloads on), and limiting never resumes. The same happens when
 * its NOSCRIPT reload fails during an outage. So after any failure the scripts are loaded again before the next
 * command (SCRIPT LOAD is idempotent and cheap), and rejections nobody awaits yet are marked handled.
 */
export class ResilientRedisStore extends RedisStore {
  private reloadScripts = false;

  constructor(
    client: Redis,
    prefix: string,
    private readonly availability: RedisAvailability,
  ) {
    super({
      prefix,
      sendCommand: async (command: string, ...args: string[]) =>
        toRedisReply(await client.call(command, ...args)),
    });
  }

  override async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    this.loadScripts();
  }

  override async increment(key: string): Promise<IncrementResponse> {
    return this.observe(() => super.increment(key));
  }

  override async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.observe(() => super.get(key));
  }

  private async observe<T>(command: () => Promise<T>): Promise<T> {
    if (this.reloadScripts) this.loadScripts();
    try {
      const result = await command();
      this.availability.markUp();
      return result;
    } catch (error) {
      this.reloadScripts = true;
      this.availability.markDown(error);
      throw error;
    }
  }

  private loadScripts(): void {
    this.reloadScripts = false;
    this.incrementScriptSha = this.handled(this.loadIncrementScript());
    this.getScriptSha = this.handled(this.loadGetScript());
  }

  private handled(load: Promise<string>): Promise<string> {
    load.catch(() => {
      this.reloadScripts = true;
    });
    return load;
  }
}
