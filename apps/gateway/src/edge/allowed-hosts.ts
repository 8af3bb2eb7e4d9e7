import { sendError } from '@oos/service-kit';
import type { RequestHandler } from 'express';
import { normaliseHost } from './config.ts';
import { isProbePath } from './paths.ts';

/** `*` matches any host, `.example.com` the domain and its subdomains, anything else exactly. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some(
    (entry) =>
      entry === '*' ||
      entry === host ||
      (entry.startsWith('.') && (host === entry.slice(1) || host.endsWith(entry))),
  );
}

/**
 * Refuses requests for hosts we do not serve (Host-header injection into redirects and absolute URLs). Uses
 * `req.hostname`, so `X-Forwarded-Host` counts only from a trusted proxy. Probes reach the pod by address and are
 * let through.
 */
export function allowedHosts(allowed: readonly string[]): RequestHandler | undefined {
  if (allowed.length === 0) return undefined;
  return (req, res, next) => {
    if (isProbePath(req.path)) return next();
    const host = req.hostname;
    if (host !== undefined && host !== '' && hostAllowed(normaliseHost(host), allowed)) return next();
    sendError(res, 'DISALLOWED_HOST');
  };
}
