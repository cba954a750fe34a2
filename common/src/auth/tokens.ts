/**
 * Access tokens: HS256 JWTs with an expiry, a `jti` (so logout can revoke one token) and the
 * user's token version (so deactivation or a role change revokes all older tokens).
 * The key is a KeyObject made once: jsonwebtoken with a string secret first tries to parse it
 * as a PEM key, which costs ~25x more per verification.
 */
import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthenticationError } from '../errors.js';

const ALGORITHM = 'HS256';

export type TokenClaims =
  | {
      kind: 'user';
      userId: number;
      /** The user's token version when the token was issued. */
      version: number;
      jti: string;
      expiresAt: Date;
    }
  | {
      /** One of our own services calling another (the main API calling the status API). */
      kind: 'service';
      service: string;
      jti: string;
      expiresAt: Date;
    };

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

/** Verified tokens remembered (the oldest forgotten first): ~300 bytes each. */
const VERIFIED_TOKENS_KEPT = 10_000;

export class TokenService {
  readonly #key: KeyObject;
  readonly #verified = new Map<string, TokenClaims>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    if (Buffer.byteLength(secret) < 32) throw new Error('JWT secret must be at least 32 bytes');
    this.#key = createSecretKey(Buffer.from(secret));
  }

  issue(userId: number, version: number): IssuedToken {
    const jti = randomUUID();
    const token = jwt.sign({ ver: version }, this.#key, {
      algorithm: ALGORITHM,
      expiresIn: this.ttlSeconds,
      subject: String(userId),
      jwtid: jti,
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }

  /** A short-lived credential for service-to-service calls, signed with the same key. */
  issueService(service: string, ttlSeconds = 60): string {
    return jwt.sign({ svc: service }, this.#key, {
      algorithm: ALGORITHM,
      expiresIn: ttlSeconds,
      subject: `service:${service}`,
      jwtid: randomUUID(),
    });
  }

  /**
   * Verifies signature (HS256 only), expiry and shape; throws AuthenticationError otherwise.
   * A token that verified once is remembered (its claims cannot change: they are what it
   * signs), so the next request with it checks only the expiry: jsonwebtoken's checks and the
   * HMAC cost ~30 µs of every request. Whether the token still counts (sign-out, deactivation)
   * is the caller's lookup, on every request.
   */
  verify(token: string): TokenClaims {
    const known = this.#verified.get(token);
    if (known) {
      // jsonwebtoken's rule: expired from the second `exp` names.
      if (Math.floor(Date.now() / 1000) < known.expiresAt.getTime() / 1000) return known;
      this.#verified.delete(token);
      throw new AuthenticationError('Token has expired', 'token_expired');
    }
    const { claims, notBefore } = this.#verify(token);
    // Only expiry is checked on a remembered token (`nbf`, which we never issue, would need its own).
    if (!notBefore) {
      if (this.#verified.size >= VERIFIED_TOKENS_KEPT) this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, Object.freeze(claims));
    }
    return claims;
  }

  #verify(token: string): { claims: TokenClaims; notBefore: boolean } {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.#key, { algorithms: [ALGORITHM] });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AuthenticationError('Token has expired', 'token_expired');
      throw new AuthenticationError('Token is invalid', 'invalid_token');
    }
    if (typeof payload !== 'object' || typeof payload.exp !== 'number' || typeof payload.jti !== 'string') {
      throw new AuthenticationError('Token is invalid', 'invalid_token');
    }
    const expiresAt = new Date(payload.exp * 1000);
    const notBefore = payload.nbf !== undefined;
    if (typeof payload['svc'] === 'string' && payload.sub === `service:${payload['svc']}`) {
      return { claims: { kind: 'service', service: payload['svc'], jti: payload.jti, expiresAt }, notBefore };
    }
    if (typeof payload.sub !== 'string' || !/^\d{1,15}$/.test(payload.sub) || !Number.isInteger(payload['ver'])) {
      throw new AuthenticationError('Token is invalid', 'invalid_token');
    }
    return {
      claims: { kind: 'user', userId: Number(payload.sub), version: payload['ver'] as number, jti: payload.jti, expiresAt },
      notBefore,
    };
  }
}
