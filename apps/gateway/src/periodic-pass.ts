/**
 * A background job that runs one pass at a time: every `intervalMs` after the previous pass ended, or on demand.
 * What the recovery worker and the webhook dispatcher share.
 */
export interface PeriodicPass<T> {
  start(): void;
  /** One pass now, or the running one. */
  runOnce(): Promise<T>;
  /** Stops scheduling, then waits (at most `graceMs`) for the running pass. */
  stop(graceMs: number): Promise<void>;
}

export function periodicPass<T>(
  pass: () => Promise<T>,
  intervalMs: number,
  onError: (error: unknown) => void,
): PeriodicPass<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  let stopped = false;

  const runOnce = (): Promise<T> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce().catch(onError).finally(schedule);
    }, intervalMs);
    timer.unref();
  };

  return {
    start: () => {
      stopped = false;
      if (timer === undefined) schedule();
    },
    runOnce,
    stop: async (graceMs) => {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      if (!running) return;
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([
        running.catch(() => undefined),
        new Promise((resolve) => {
          bound = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(bound);
    },
  };
}
