import type { Ready } from '@oos/contracts';
import type { Logger } from './logger.ts';

/** A component's readiness: 'ok', or 'unavailable' with one warning saying why. */
export async function componentState(
  name: string,
  check: () => Promise<void>,
  logger: Logger,
): Promise<'ok' | 'unavailable'> {
  try {
    await check();
    return 'ok';
  } catch (error) {
    logger.warn(`readiness: ${name} unreachable`, {
      error: error instanceof Error ? error.message : String(error),
    });
    return 'unavailable';
  }
}

/** The readiness of a service whose one dependency is its database (inventory, payments). */
export function databaseReadiness(ping: () => Promise<void>, logger: Logger): () => Promise<Ready> {
  return async () => {
    const db = await componentState('database', ping, logger);
    return { ok: db === 'ok', components: { db } };
  };
}
