/** Login, logout and turning a bearer token into a Principal. */
import {
  type ApiKeyLookup,
  AuthenticationError,
  Authenticator,
  dummyHash,
  type IssuedToken,
  type Principal,
  type TokenService,
  verifyPassword,
} from '@simcard/common';
import { type Db, revokedTokensRepository, type UserRow, usersRepository } from '@simcard/db';

export class AuthService {
  #dummyHash: Promise<string> | undefined;
  readonly authenticator: Authenticator;

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly scryptLog2N: number,
    /** Accept `X-API-Key` too, looked up with this. */
    apiKeys?: ApiKeyLookup,
  ) {
    this.authenticator = new Authenticator(tokens, (id, jti) => usersRepository.findForToken(db, id, jti), {
      apiKeys,
      subjects: (ids, jtis) => usersRepository.findForTokens(db, ids, jtis),
    });
  }

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

  logout(principal: Principal): Promise<void> {
    return revokedTokensRepository.revoke(this.db, principal.jti, principal.expiresAt);
  }
}
