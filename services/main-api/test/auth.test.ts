import { createSecretKey } from 'node:crypto';
import { type Config, loadConfig, type Logger } from '@simcard/common';
import { createTestDatabase } from '@simcard/db/testing';
import jwt from 'jsonwebtoken';
import { startMainApi } from '../src/main.js';
import { ADMIN_PASSWORD, JWT_SECRET, TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const key = createSecretKey(Buffer.from(JWT_SECRET));
function forge(payload: object, options: jwt.SignOptions = {}, secret: jwt.Secret = key): string {
  return jwt.sign(payload, secret, { algorithm: 'HS256', ...options });
}
async function adminClaims() {
  return jwt.decode(api.adminToken) as { sub: string; ver: number; jti: string; exp: number };
}

describe('login', () => {
  test('the right password answers a token, its expiry and the user without secrets', async () => {
    const res = await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.any(String),
      expires_at: expect.stringMatching(/Z$/),
      user: expect.objectContaining({ username: 'admin', role: 'admin', shop_id: null }),
    });
    expect(res.text).not.toMatch(/password_hash|token_version/);
    expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(11 * 3600 * 1000);
  });

  test('the username is case-insensitive', async () => {
    const res = await api.post('/auth/login', { username: ' ADMIN ', password: ADMIN_PASSWORD }, { token: null });
    expect(res.status).toBe(200);
  });

  test('a wrong password and an unknown user get the same 401', async () => {
    const wrong = await api.post('/auth/login', { username: 'admin', password: 'not-the-password' }, { token: null });
    const unknown = await api.post('/auth/login', { username: 'nobody', password: 'not-the-password' }, { token: null });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
  });

  test('a login without a password is a 400 naming the field', async () => {
    const res = await api.post('/auth/login', { username: 'admin' }, { token: null });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'password' })]);
  });

  test('a successful login records last_login_at', async () => {
    const me = await api.get('/auth/me');
    expect(Date.parse(me.body.user.last_login_at)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('bearer tokens', () => {
  test('GET /auth/me answers the signed-in user', async () => {
    const res = await api.get('/auth/me');
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: 'admin', role: 'admin' });
  });

  test('no token is a 401 with WWW-Authenticate', async () => {
    const res = await api.get('/auth/me', { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.error.code).toBe('unauthorized');
  });

  test('a header that is not "Bearer <token>" is a 401', async () => {
    const res = await api.get('/auth/me', { token: null, headers: { authorization: `Basic ${api.adminToken}` } });
    expect(res.status).toBe(401);
  });

  test('an expired token is a 401 token_expired', async () => {
    const c = await adminClaims();
    const token = forge({ ver: c.ver, exp: Math.floor(Date.now() / 1000) - 10 }, { subject: c.sub, jwtid: 'expired-1' });
    const res = await api.get('/auth/me', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_expired');
  });

  test('a token without exp is a 401', async () => {
    const c = await adminClaims();
    const res = await api.get('/auth/me', { token: forge({ ver: c.ver }, { subject: c.sub, jwtid: 'no-exp' }) });
    expect(res.status).toBe(401);
  });

  test('a token signed with another key is a 401', async () => {
    const c = await adminClaims();
    const token = forge({ ver: c.ver }, { subject: c.sub, jwtid: 'other', expiresIn: 600 }, 'another-secret-of-at-least-32-bytes!!');
    expect((await api.get('/auth/me', { token })).status).toBe(401);
  });

  test('a tampered payload is a 401', async () => {
    const [header, , signature] = api.adminToken.split('.');
    const payload = Buffer.from(JSON.stringify({ ...(await adminClaims()), sub: '999' })).toString('base64url');
    expect((await api.get('/auth/me', { token: `${header}.${payload}.${signature}` })).status).toBe(401);
  });

  test('alg "none" is a 401', async () => {
    const c = await adminClaims();
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...c, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    expect((await api.get('/auth/me', { token: `${header}.${payload}.` })).status).toBe(401);
  });

  test('another HMAC algorithm with the right key is a 401: the algorithm is pinned', async () => {
    const c = await adminClaims();
    const token = jwt.sign({ ver: c.ver }, key, { algorithm: 'HS512', subject: c.sub, jwtid: 'hs512', expiresIn: 600 });
    expect((await api.get('/auth/me', { token })).status).toBe(401);
  });

  test('a token for a user that does not exist is a 401', async () => {
    const token = forge({ ver: 0 }, { subject: '424242', jwtid: 'ghost', expiresIn: 600 });
    expect((await api.get('/auth/me', { token })).status).toBe(401);
  });

  test('every protected route refuses a bad token the same way', async () => {
    for (const path of ['/shops', '/simcards', '/users', '/shops/1', '/simcards/1']) {
      const res = await api.get(path, { token: 'not.a.jwt' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_token');
    }
  });
});

describe('logout', () => {
  test('POST /auth/logout revokes that token only', async () => {
    const token = await api.login('admin', ADMIN_PASSWORD);
    const other = await api.login('admin', ADMIN_PASSWORD);
    expect((await api.post('/auth/logout', undefined, { token })).status).toBe(204);
    const after = await api.get('/auth/me', { token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('token_revoked');
    expect((await api.get('/auth/me', { token: other })).status).toBe(200);
  });

  test('logging out twice is a 401 the second time', async () => {
    const token = await api.login('admin', ADMIN_PASSWORD);
    expect((await api.post('/auth/logout', undefined, { token })).status).toBe(204);
    expect((await api.post('/auth/logout', undefined, { token })).status).toBe(401);
  });
});

describe('first start', () => {
  function capture(): { log: Logger; lines: string[] } {
    const lines: string[] = [];
    const push = (m: string) => lines.push(m);
    return { lines, log: { info: push, warn: push, error: push } };
  }

  async function configFor(env: Record<string, string>): Promise<{ config: Config; drop: () => Promise<void> }> {
    const database = await createTestDatabase();
    const base = loadConfig({ NODE_ENV: 'test', MAIN_API_PORT: '0', ...env });
    return { config: { ...base, database: database.config, auth: { ...base.auth, scryptLog2N: 10 } }, drop: database.drop };
  }

  test('without ADMIN_PASSWORD a random admin password is printed once, and it works', async () => {
    const { config, drop } = await configFor({});
    try {
      const first = capture();
      const server = await startMainApi(config, first.log);
      const line = first.lines.find((l) => l.includes('First admin created'));
      const password = /password "([^"]+)"/.exec(line ?? '')?.[1];
      expect(password).toMatch(/^[\w-]{16}$/);
      const res = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
      expect(res.status).toBe(200);
      await server.close();

      const second = capture();
      const again = await startMainApi(config, second.log);
      expect(second.lines.join('\n')).not.toContain(password!);
      expect(second.lines.some((l) => l.includes('First admin'))).toBe(false);
      await again.close();
    } finally {
      await drop();
    }
  });

  test('ADMIN_USERNAME and ADMIN_PASSWORD name the first admin, and no password is printed', async () => {
    const { config, drop } = await configFor({ ADMIN_USERNAME: 'Boss', ADMIN_PASSWORD: 'boss-password-1' });
    try {
      const out = capture();
      const server = await startMainApi(config, out.log);
      expect(out.lines.join('\n')).not.toContain('boss-password-1');
      const res = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'boss', password: 'boss-password-1' }),
      });
      expect(res.status).toBe(200);
      await server.close();
    } finally {
      await drop();
    }
  });

  test('without JWT_SECRET a secret is generated once and kept: tokens survive a restart', async () => {
    const { config, drop } = await configFor({ ADMIN_PASSWORD: 'admin-password-1' });
    try {
      const login = async (url: string) => {
        const res = await fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: 'admin-password-1' }),
        });
        return ((await res.json()) as { token: string }).token;
      };
      const first = await startMainApi(config, capture().log);
      const token = await login(first.url);
      await first.close();
      const second = await startMainApi(config, capture().log);
      const me = await fetch(`${second.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      await second.close();
    } finally {
      await drop();
    }
  });
});
