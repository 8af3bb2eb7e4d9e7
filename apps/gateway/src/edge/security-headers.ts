import type { RequestHandler } from 'express';
import helmet from 'helmet';

export interface SecurityHeaderOptions {
  hstsSeconds: number;
  sslRedirect: boolean;
}

/**
 * helmet's defaults plus the contract's choices. The CSP is helmet's default (which already allows inline styles,
 * which swagger-ui needs; its scripts must be files under 'self'), framing forbidden as X-Frame-Options says, and
 * `upgrade-insecure-requests` only when the deployment actually serves HTTPS, or /docs over plain HTTP would break.
 */
export function securityHeaders({ hstsSeconds, sslRedirect }: SecurityHeaderOptions): RequestHandler[] {
  const handlers: RequestHandler[] = [
    helmet({
      contentSecurityPolicy: {
        directives: {
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': sslRedirect ? [] : null,
        },
      },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'same-origin' },
      xFrameOptions: { action: 'deny' },
      xContentTypeOptions: true,
      xPoweredBy: true,
      // Sent only over HTTPS, below: a plain-HTTP response must not pin HTTPS (RFC 6797 §7.2).
      strictTransportSecurity: false,
    }),
  ];
  if (hstsSeconds > 0) {
    const hsts = helmet.strictTransportSecurity({ maxAge: hstsSeconds, includeSubDomains: true });
    handlers.push((req, res, next) => (req.secure ? hsts(req, res, next) : next()));
  }
  return handlers;
}
