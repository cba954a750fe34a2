import type { Middleware } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { AuthenticationError } from '../errors.js';
import type { AppState } from './api-router.js';

/** `Authorization: Bearer <JWT>` → `ctx.state.principal`, or 401. */
export function authenticate(authenticator: Authenticator): Middleware<AppState> {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthenticationError(header ? 'Authorization header must be "Bearer <token>"' : 'Authentication required');
    ctx.state.principal = await authenticator.authenticate(match[1]!);
    await next();
  };
}
