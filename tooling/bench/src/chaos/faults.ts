import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault, FaultProxy } from './fault-proxy.ts';

function randomFault(): Fault {
  const roll = randomInt(100);
  if (roll < 45) return { kind: 'none' };
  if (roll < 65) return { kind: 'latency', ms: 50 + randomInt(400) };
  if (roll < 77) return { kind: 'reset' };
  if (roll < 88) return { kind: 'blackhole' };
  return { kind: 'http503' };
}

/** Switches each proxy to a random fault every 1–4 s until `until`, then back to none. */
export async function toggleProxyFaults(proxies: FaultProxy[], until: number): Promise<void> {
  await Promise.all(
    proxies.map(async (proxy) => {
      while (Date.now() < until) {
        proxy.setFault(randomFault());
        await sleep(Math.min(1_000 + randomInt(3_000), Math.max(0, until - Date.now())));
      }
      proxy.setFault({ kind: 'none' });
    }),
  );
}

export interface Disruption {
  name: string;
  run: () => Promise<void>;
}

/** Runs the disruptions round-robin, evenly spaced, until `until`; returns how many of each ran. */
export async function runDisruptions(
  disruptions: Disruption[],
  until: number,
  periodMs: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  let index = 0;
  await sleep(Math.min(periodMs / 2, Math.max(0, until - Date.now())));
  while (Date.now() < until) {
    const disruption = disruptions[index % disruptions.length];
    index += 1;
    if (disruption === undefined) break;
    log(`fault: ${disruption.name}`);
    try {
      await disruption.run();
      done[disruption.name] = (done[disruption.name] ?? 0) + 1;
    } catch (error) {
      log(`fault ${disruption.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    await sleep(Math.min(periodMs, Math.max(0, until - Date.now())));
  }
  return done;
}
