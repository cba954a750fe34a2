/**
 * CORS for the origins in CORS_ORIGINS only. With none configured (the default) no CORS header
 * is ever sent: the web app is served from the same origin, and browsers then refuse every
 * cross-origin read. An unknown origin gets no CORS headers, and its preflight a 403.
 * No credentials mode: the API uses bearer tokens and API keys, never cookies.
 */
import type { Middleware } from 'koa';
import { ForbiddenError } from '../errors.js';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-API-Key, X-Request-Id, Idempotency-Key';
/** What a browser script may read from an answer besides the simple headers. */
const EXPOSED_HEADERS =
  'X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Content-Disposition';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

export function cors(origins: readonly string[]): Middleware {
  const allowed = new Set(origins);
  // Not async: most requests only pass through (each async layer is a promise per request).
  if (allowed.size === 0) return (_ctx, next) => next();
  return (ctx, next) => {
    const origin = ctx.get('origin');
    if (!origin) return next();
    ctx.vary('Origin');
    const preflight = ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '';
    if (!allowed.has(origin)) {
      if (preflight) throw new ForbiddenError(`Origin ${origin} is not allowed`);
      return next();
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    if (preflight) {
      ctx.set({
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
      });
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return next();
  };
}
