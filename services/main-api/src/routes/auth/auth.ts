import type { ApiRouter } from '@simcard/common';
import type { Middleware } from 'koa';
import { presentUser } from '../../presenters/core.js';
import type { AuthService } from '../../services/auth.js';
import type { UsersService } from '../../services/users.js';
import { LoginBody, LoginResponse, MeResponse } from './auth.schema.js';

/**
 * A sign-in body is a username and a password (a few hundred bytes even with every character
 * escaped): anyone may send one, so anyone's body is held to this, not to the general JSON limit.
 */
const LOGIN_BODY_LIMIT_BYTES = 16 * 1024;

/** `loginGuard`: the brute-force guard (RateLimits.loginGuard), run on the sign-in endpoint only. */
export function authRoutes(api: ApiRouter, auth: AuthService, users: UsersService, loginGuard: Middleware): void {
  api.endpoint(
    {
      method: 'post',
      path: '/auth/login',
      tag: 'Auth',
      summary: 'Sign in: a bearer token for the other endpoints',
      access: 'public',
      body: LoginBody,
      bodyLimitBytes: LOGIN_BODY_LIMIT_BYTES,
      middleware: [loginGuard],
      responses: {
        200: { description: 'Signed in', schema: LoginResponse },
        401: { description: 'Wrong username or password (or the account is deactivated)' },
      },
    },
    async (ctx, { body }) => {
      const { issued, user } = await auth.login(body.username, body.password);
      ctx.body = { token: issued.token, expires_at: issued.expiresAt.toISOString(), user: presentUser(user) };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/auth/logout',
      tag: 'Auth',
      summary: 'Sign out: the token used for this request stops working',
      access: 'user',
      responses: { 204: { description: 'Signed out' } },
    },
    async (ctx, { principal }) => {
      await auth.logout(principal);
      ctx.status = 204;
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/auth/me',
      tag: 'Auth',
      summary: 'The signed-in user',
      access: 'user',
      responses: { 200: { description: 'The user', schema: MeResponse } },
    },
    async (ctx, { principal }) => {
      ctx.body = { user: presentUser(await users.get(principal.userId)) };
    },
  );
}
