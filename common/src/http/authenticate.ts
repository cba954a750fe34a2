import type { Middleware } from 'koa';
import { looksLikeApiKey } from '../auth/api-keys.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { AuthenticationError, ForbiddenError } from '../errors.js';
import type { AppState } from './api-router.js';

const READ_METHODS = new Set(['GET', 'HEAD']);
/** POSTs that only read (a question too long for a query string): allowed to read-only keys. */
const READ_POSTS = new Set(['/simcards/lookup']);

/**
 * `Authorization: Bearer <JWT>` or `X-API-Key: <key>` → `ctx.state.principal`, or 401. An API
 * key is also accepted as a bearer token, for clients that can only send that header (e.g. a
 * Prometheus scraper). A read-only principal (a `read` API key) gets 403 on anything but GET and HEAD.
 */
export function authenticate(authenticator: Authenticator): Middleware<AppState> {
  return async (ctx, next) => {
    ctx.state.principal = await authenticateCredential(authenticator, credentialOf(ctx));
    if (ctx.state.principal.readOnly && !READ_METHODS.has(ctx.method) && !(ctx.method === 'POST' && READ_POSTS.has(ctx.path))) {
      throw new ForbiddenError('This API key may only read (GET); use an admin key to make changes');
    }
    await next();
  };
}

/** What a request authenticates with: a bearer token or an API key. */
export type Credential = { kind: 'token' | 'api_key'; value: string };

/** The request's credential, or 401 when it has none or a malformed one. */
export function credentialOf(ctx: { get(name: string): string }): Credential {
  const header = ctx.get('authorization');
  const apiKey = ctx.get('x-api-key');
  if (apiKey && header) throw new AuthenticationError('Send either an Authorization header or X-API-Key, not both');
  if (apiKey) return { kind: 'api_key', value: apiKey };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AuthenticationError(header ? 'Authorization header must be "Bearer <token>"' : 'Authentication required');
  const value = match[1]!;
  return { kind: looksLikeApiKey(value) ? 'api_key' : 'token', value };
}

/**
 * The credential → a Principal as the database has it now (AuthenticationError otherwise). Also
 * what long-lived requests (event streams) call again to learn that a sign-out, deactivation or
 * move to another shop has ended their right to it.
 */
export function authenticateCredential(authenticator: Authenticator, credential: Credential): Promise<Principal> {
  return credential.kind === 'api_key' ? authenticator.authenticateApiKey(credential.value) : authenticator.authenticate(credential.value);
}

/**
 * Many credentials at once, each answered with its Principal or the AuthenticationError a request
 * with it would get (tokens in one lookup for all; API keys, rare on streams, one by one). Other
 * errors (the database failing) reject the whole call.
 */
export async function authenticateCredentials(
  authenticator: Authenticator,
  credentials: Credential[],
): Promise<Array<Principal | AuthenticationError>> {
  const tokens = credentials.flatMap((c, i) => (c.kind === 'token' ? [{ i, value: c.value }] : []));
  const answers = new Array<Principal | AuthenticationError>(credentials.length);
  const principals = await authenticator.authenticateMany(tokens.map((t) => t.value));
  for (const [n, t] of tokens.entries()) answers[t.i] = principals[n]!;
  await Promise.all(
    credentials.map(async (c, i) => {
      if (c.kind !== 'api_key') return;
      try {
        answers[i] = await authenticator.authenticateApiKey(c.value);
      } catch (err) {
        if (!(err instanceof AuthenticationError)) throw err;
        answers[i] = err;
      }
    }),
  );
  return answers;
}
