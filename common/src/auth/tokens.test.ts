import { jest } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { AuthenticationError } from '../errors.js';
import { TokenService } from './tokens.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!';

describe('access tokens', () => {
  test('an issued token verifies to its user, version, jti and expiry', () => {
    const tokens = new TokenService(SECRET, 3600);
    const issued = tokens.issue(7, 3);
    const claims = tokens.verify(issued.token);
    expect(claims).toEqual({ kind: 'user', userId: 7, version: 3, jti: issued.jti, expiresAt: issued.expiresAt });
    expect(jwt.decode(issued.token, { complete: true })?.header.alg).toBe('HS256');
  });

  test('each token has its own jti', () => {
    const tokens = new TokenService(SECRET, 3600);
    expect(tokens.issue(1, 0).jti).not.toBe(tokens.issue(1, 0).jti);
  });

  test('a secret under 32 bytes is refused', () => {
    expect(() => new TokenService('short', 60)).toThrow(/32 bytes/);
  });

  test('a token of another service key is refused', () => {
    const issued = new TokenService('another-secret-of-at-least-32-bytes!', 60).issue(1, 0);
    expect(() => new TokenService(SECRET, 60).verify(issued.token)).toThrow(AuthenticationError);
  });

  test('a service token verifies as that service, not as a user', () => {
    const tokens = new TokenService(SECRET, 3600);
    expect(tokens.verify(tokens.issueService('main-api'))).toMatchObject({ kind: 'service', service: 'main-api' });
  });

  test('a token with a non-numeric subject is refused', () => {
    const token = jwt.sign({ ver: 0 }, SECRET, { algorithm: 'HS256', subject: 'admin', jwtid: 'x', expiresIn: 60 });
    expect(() => new TokenService(SECRET, 60).verify(token)).toThrow(AuthenticationError);
  });

  describe('a token that verified once', () => {
    afterEach(() => jest.useRealTimers());

    test('still expires: the second after its exp it is refused, as jsonwebtoken would', () => {
      jest.useFakeTimers({ now: new Date('2026-12-04T10:00:00.000Z') });
      const tokens = new TokenService(SECRET, 60);
      const issued = tokens.issue(7, 3);
      expect(tokens.verify(issued.token)).toMatchObject({ userId: 7 });
      jest.setSystemTime(issued.expiresAt.getTime() - 1);
      expect(tokens.verify(issued.token)).toMatchObject({ userId: 7 });
      jest.setSystemTime(issued.expiresAt.getTime());
      expect(() => tokens.verify(issued.token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
      // And stays refused (not remembered as good).
      expect(() => tokens.verify(issued.token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
    });

    test('does not vouch for a token that differs from it in its signature', () => {
      const tokens = new TokenService(SECRET, 60);
      const issued = tokens.issue(7, 3);
      tokens.verify(issued.token);
      const last = issued.token.slice(-1);
      const forged = issued.token.slice(0, -2) + (last === 'A' ? 'BB' : 'AA');
      expect(() => tokens.verify(forged)).toThrow(expect.objectContaining({ code: 'invalid_token' }));
    });

    test('is not known to a service with another key', () => {
      const issued = new TokenService(SECRET, 60).issue(1, 0);
      const ours = new TokenService(SECRET, 60);
      ours.verify(issued.token);
      expect(() => new TokenService('another-secret-of-at-least-32-bytes!', 60).verify(issued.token)).toThrow(AuthenticationError);
    });
  });
});
