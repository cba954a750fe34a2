/**
 * Every request gets an id, echoed in `X-Request-Id`: a sane incoming one (a proxy's or a
 * client's) is kept, anything else is replaced by a new UUID. Every log line written while the
 * request is handled carries it, and one access line is written when it ends. The access line
 * names the route template, never the query string (which could hold a secret). It is written at
 * `debug` (LOG_LEVEL=debug shows it): at the default level the terminal shows what happened, not
 * every poll of the web app; a request answered 5xx is still an `error` line at any level.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { type Logger, withLogContext } from '../logger.js';
import type { AppState } from './api-router.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Templates by koa route (a few hundred routes): asked twice per request (access line, metrics). */
const templates = new Map<string, string>();

/** The router's template for the matched route (`/shops/{id}`), or null when none matched. */
export function routeTemplate(ctx: { _matchedRoute?: unknown }): string | null {
  const route = ctx._matchedRoute;
  if (typeof route !== 'string') return null;
  let template = templates.get(route);
  if (template === undefined) {
    template = route.replace(/:(\w+)/g, '{$1}');
    if (templates.size < 1000) templates.set(route, template);
  }
  return template;
}

export function requestId(log: Logger): Middleware<AppState & { requestId?: string }> {
  return (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    const started = performance.now();
    const finish = (): void => {
      const principal = ctx.state.principal;
      const fields = {
        method: ctx.method,
        path: ctx.path,
        route: routeTemplate(ctx as { _matchedRoute?: unknown }),
        status: ctx.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        ip: ctx.ip,
        ...(principal ? { user_id: principal.userId || null, ...(principal.apiKey ? { api_key_id: principal.apiKey.id } : {}) } : {}),
      };
      if (ctx.status >= 500) log.error('request', fields);
      else log.debug?.('request', fields);
    };
    // Not async functions: one promise per request here, not three.
    return withLogContext({ request_id: id }, () =>
      next().then(finish, (err: unknown) => {
        finish();
        throw err;
      }),
    );
  };
}
