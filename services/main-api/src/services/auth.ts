/** Login, logout and turning a bearer token into a Principal. */
import {
  AuthenticationError,
  dummyHash,
  verifyPassword,
  type IssuedToken,
  type Principal,
  type TokenService,
} from '@simcard/common';
import { revokedTokensRepository, usersRepository, type Db, type UserRow } from '@simcard/db';

export class AuthService {
  #dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly scryptLog2N: number,
  ) {}

  /** Same answer, and about the same time, for an unknown user, a wrong password and a deactivated user. */
  async login(username: string, password: string): Promise<{ issued: IssuedToken; user: UserRow }> {
    const user = await usersRepository.findByUsername(this.db, username.trim().toLowerCase());
    this.#dummyHash ??= dummyHash(this.scryptLog2N);
    const valid = await verifyPassword(password, user?.password_hash ?? (await this.#dummyHash));
    if (!user || !valid || !user.is_active) {
      throw new AuthenticationError('Wrong username or password', 'invalid_credentials');
    }
    await usersRepository.recordLogin(this.db, user.id);
    const issued = this.tokens.issue(user.id, user.token_version);
    return { issued, user: (await usersRepository.findById(this.db, user.id))! };
  }

  async authenticate(token: string): Promise<Principal> {
    const claims = this.tokens.verify(token);
    const user = await usersRepository.findForToken(this.db, claims.userId, claims.jti);
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

  logout(principal: Principal): Promise<void> {
    return revokedTokensRepository.revoke(this.db, principal.jti, principal.expiresAt);
  }
}
