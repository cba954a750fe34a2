import type { Middleware } from 'koa';
import { looksLikeApiKey } from '../auth/api-keys.js';
import type { Authenticator } from '../auth/authenticator.js';
import { AuthenticationError, ForbiddenError } from '../errors.js';
import type { AppState } from './api-router.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * `Authorization: Bearer <JWT>` or `X-API-Key: <key>` → `ctx.state.principal`, or 401. An API
 * key is also accepted as a bearer token, for clients that can only send that header (e.g. a
 * Prometheus scraper). A read-only principal (a `read` API key) gets 403 on anything but GET and HEAD.
 */
export function authenticate(authenticator: Authenticator): Middleware<AppState> {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const apiKey = ctx.get('x-api-key');
    if (apiKey && header) throw new AuthenticationError('Send either an Authorization header or X-API-Key, not both');
    if (apiKey) {
      ctx.state.principal = await authenticator.authenticateApiKey(apiKey);
    } else {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new AuthenticationError(header ? 'Authorization header must be "Bearer <token>"' : 'Authentication required');
      const credential = match[1]!;
      ctx.state.principal = looksLikeApiKey(credential) ? await authenticator.authenticateApiKey(credential) : await authenticator.authenticate(credential);
    }
    if (ctx.state.principal.readOnly && !READ_METHODS.has(ctx.method)) {
      throw new ForbiddenError('This API key may only read (GET); use an admin key to make changes');
    }
    await next();
  };
}
