import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleConfig } from './config.js';

/**
 * Headers on every response: a strict Content-Security-Policy (own scripts only, WHEP the one other
 * origin), HSTS, no framing, no sniffing, no referrer; API replies are never cached.
 */
export function securityHeaders(config: Pick<ConsoleConfig, 'WHEP_URL'>) {
  const whep = config.WHEP_URL ? ` ${new URL(config.WHEP_URL).origin}` : '';
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    `connect-src 'self'${whep}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.url?.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
