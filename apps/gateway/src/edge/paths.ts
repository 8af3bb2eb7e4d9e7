/** Probes and scrapers speak plain HTTP to the pod address and must never be redirected, refused or limited. */
const PROBE_PATH = /^\/(?:health|ready|metrics)\/?$/i;

export function isProbePath(path: string): boolean {
  return PROBE_PATH.test(path);
}
