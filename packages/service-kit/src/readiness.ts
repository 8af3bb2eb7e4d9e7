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
