/**
 * A bearer token → a Principal, the same way in every service: signature, expiry and shape
 * (TokenService), then the user as the database has it now — still there, active, the same
 * token version — and the token's jti not revoked by a logout.
 */
import { AuthenticationError } from '../errors.js';
import type { Principal, Role } from './principal.js';
import type { TokenService } from './tokens.js';

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

export interface AuthenticatorOptions {
  /** Accept our own services' tokens (the status API does; the main API does not). */
  acceptServiceTokens?: boolean;
}

export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly lookup: SubjectLookup,
    private readonly options: AuthenticatorOptions = {},
  ) {}

  async authenticate(token: string): Promise<Principal> {
    const claims = this.tokens.verify(token);
    if (claims.kind === 'service') {
      if (!this.options.acceptServiceTokens) throw new AuthenticationError('Token is invalid', 'invalid_token');
      // A service acts for a user the calling service has already authorized.
      return { userId: 0, username: `service:${claims.service}`, role: 'admin', shopId: null, jti: claims.jti, expiresAt: claims.expiresAt };
    }
    const user = await this.lookup(claims.userId, claims.jti);
    if (!user || !user.is_active || user.token_version !== claims.version) {
      throw new AuthenticationError('Token is no longer valid; sign in again', 'token_revoked');
    }
    if (user.revoked) throw new AuthenticationError('Token was signed out; sign in again', 'token_revoked');
    return { userId: user.id, username: user.username, role: user.role, shopId: user.shop_id, jti: claims.jti, expiresAt: claims.expiresAt };
  }
}
