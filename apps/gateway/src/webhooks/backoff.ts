/**
 * The wait before attempt `attempt + 1` after `attempt` failed ones: doubling from `baseMs` up to `maxMs`, the
 * second half of it random ("equal jitter"), so receivers coming back from an outage are not hit in lockstep and
 * attempts never bunch up at zero.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
