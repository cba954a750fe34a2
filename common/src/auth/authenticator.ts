/**
 * A bearer token → a Principal, the same way in every service: signature, expiry and shape
 * (TokenService), then the user as the database has it now — still there, active, the same
 * token version — and the token's jti not revoked by a logout.
 */
import { AuthenticationError } from '../errors.js';
import { type ApiKeyRole, hashApiKey, looksLikeApiKey } from './api-keys.js';
import type { Principal, Role } from './principal.js';
import type { TokenClaims, TokenService } from './tokens.js';

type UserClaims = Extract<TokenClaims, { kind: 'user' }>;
type ServiceClaims = Extract<TokenClaims, { kind: 'service' }>;

export interface TokenSubject {
  id: number;
  username: string;
  role: Role;
  shop_id: number | null;
  is_active: boolean | number;
  token_version: number;
  /** Whether this token's jti was revoked. */
  revoked: boolean;
}

/** Looks the user and the jti's revocation up (in one query: this runs on every request). */
export type SubjectLookup = (userId: number, jti: string) => Promise<TokenSubject | undefined>;

/**
 * Many tokens' subjects at once: the users by id as the database has them now, and which of the
 * jtis were revoked. Event streams recheck every open stream's token each few seconds: one query
 * for all of them, not one per stream (200 streams took 0.5–4 s of lookups on a busy machine).
 */
export type SubjectsLookup = (
  userIds: number[],
  jtis: string[],
) => Promise<{ users: Map<number, Omit<TokenSubject, 'revoked'>>; revoked: Set<string> }>;

/** An API key found by its hash, with the admin it acts for as the database has them now. */
export interface ApiKeySubject {
  id: number;
  name: string;
  role: ApiKeyRole;
  revoked: boolean;
  user_id: number | null;
  username: string | null;
  user_role: string | null;
  user_active: boolean;
}

/** Looks a key up by its SHA-256 (on every keyed request: never cached, so a revocation holds at once). */
export type ApiKeyLookup = (keyHash: string) => Promise<ApiKeySubject | undefined>;

export interface AuthenticatorOptions {
  /** Accept our own services' tokens (the status API does; the main API does not). */
  acceptServiceTokens?: boolean;
  /** Accept `X-API-Key` (the main API does). */
  apiKeys?: ApiKeyLookup;
  /** For `authenticateMany`; without it, each token is looked up on its own. */
  subjects?: SubjectsLookup;
}

/** API keys do not expire; a Principal still needs a date. */
const NEVER = new Date('9999-12-31T23:59:59.000Z');

export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly lookup: SubjectLookup,
    private readonly options: AuthenticatorOptions = {},
  ) {}

  async authenticate(token: string): Promise<Principal> {
    const claims = this.tokens.verify(token);
    if (claims.kind === 'service') return this.#servicePrincipal(claims);
    return principalOf(claims, await this.lookup(claims.userId, claims.jti));
  }

  /**
   * Several tokens at once, each answered as `authenticate` would (a Principal, or the
   * AuthenticationError it would throw), with one lookup for all. Other errors (the database
   * failing) reject the whole call.
   */
  async authenticateMany(tokens: string[]): Promise<Array<Principal | AuthenticationError>> {
    const lookupMany = this.options.subjects;
    if (!lookupMany) return Promise.all(tokens.map((t) => this.authenticate(t).catch(refusal)));
    const verified = tokens.map((t) => {
      try {
        return this.tokens.verify(t);
      } catch (err) {
        return refusal(err);
      }
    });
    const users = verified.flatMap((c) => (c instanceof AuthenticationError || c.kind === 'service' ? [] : [c]));
    const found =
      users.length > 0
        ? await lookupMany(
            [...new Set(users.map((c) => c.userId))],
            users.map((c) => c.jti),
          )
        : { users: new Map(), revoked: new Set<string>() };
    return verified.map((c) => {
      if (c instanceof AuthenticationError) return c;
      try {
        if (c.kind === 'service') return this.#servicePrincipal(c);
        const user = found.users.get(c.userId);
        return principalOf(c, user && { ...user, revoked: found.revoked.has(c.jti) });
      } catch (err) {
        return refusal(err);
      }
    });
  }

  #servicePrincipal(claims: ServiceClaims): Principal {
    if (!this.options.acceptServiceTokens) throw new AuthenticationError('Token is invalid', 'invalid_token');
    // A service acts for a user the calling service has already authorized.
    return {
      userId: 0,
      username: `service:${claims.service}`,
      role: 'admin',
      shopId: null,
      jti: claims.jti,
      expiresAt: claims.expiresAt,
    };
  }

  /**
   * An `X-API-Key` → a Principal with admin visibility; a `read` key is read-only. The key acts
   * for the admin who created it, and stops working when that admin is deleted, deactivated or
   * demoted, exactly like their tokens.
   */
  async authenticateApiKey(key: string): Promise<Principal> {
    if (!this.options.apiKeys) throw new AuthenticationError('API keys are not accepted by this service', 'invalid_api_key');
    const found = looksLikeApiKey(key) ? await this.options.apiKeys(hashApiKey(key)) : undefined;
    if (!found) throw new AuthenticationError('API key is invalid', 'invalid_api_key');
    if (found.revoked) throw new AuthenticationError('API key was revoked', 'api_key_revoked');
    if (found.user_id === null || !found.user_active || found.user_role !== 'admin') {
      throw new AuthenticationError('API key is no longer valid: the admin who created it was removed', 'api_key_revoked');
    }
    return {
      userId: found.user_id,
      username: `api-key:${found.name}`,
      role: 'admin',
      shopId: null,
      jti: `api-key:${found.id}`,
      expiresAt: NEVER,
      apiKey: { id: found.id, name: found.name, role: found.role },
      readOnly: found.role === 'read',
    };
  }
}

/** A user's token, checked against the user as the database has it now. */
function principalOf(claims: UserClaims, user: TokenSubject | undefined): Principal {
  if (!user || !user.is_active || user.token_version !== claims.version) {
    throw new AuthenticationError('Token is no longer valid; sign in again', 'token_revoked');
  }
  if (user.revoked) throw new AuthenticationError('Token was signed out; sign in again', 'token_revoked');
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    shopId: user.shop_id,
    jti: claims.jti,
    expiresAt: claims.expiresAt,
  };
}

/** An authentication refusal as a value; anything else (the database failing) thrown on. */
function refusal(err: unknown): AuthenticationError {
  if (err instanceof AuthenticationError) return err;
  throw err;
}
