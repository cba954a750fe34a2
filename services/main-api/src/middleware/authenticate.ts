import { AuthenticationError, type AppState } from '@simcard/common';
import type { Middleware } from 'koa';
import type { AuthService } from '../services/auth.js';

/** `Authorization: Bearer <JWT>` → `ctx.state.principal`, or 401. */
export function authenticate(auth: AuthService): Middleware<AppState> {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthenticationError(header ? 'Authorization header must be "Bearer <token>"' : 'Authentication required');
    ctx.state.principal = await auth.authenticate(match[1]!);
    await next();
  };
}
