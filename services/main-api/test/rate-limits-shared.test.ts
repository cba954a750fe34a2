/**
 * Two main API instances on one database (issue 18): on PostgreSQL the rate limits are counted
 * in the database, so the documented limits hold for the cluster, whichever instance a request
 * reaches; on SQLite (one process in production) each instance counts its own.
 */
import { silentLogger } from '@simcard/common';
import { testDialect } from '@simcard/db/testing';
import { type RunningMainApi, startMainApi } from '../src/main.js';
import { STAFF_PASSWORD, TestApi } from './support/harness.js';

const shared = testDialect() === 'postgres';

describe(`rate limits with two instances (${shared ? 'shared in PostgreSQL' : 'per instance on SQLite'})`, () => {
  let a: TestApi;
  let b: RunningMainApi;
  beforeAll(async () => {
    a = await TestApi.start({ RATE_LIMIT_USER: '6/20', LOGIN_LIMIT_USER_IP: '3/30', RATE_LIMIT_ANON: '20/20' });
    b = await startMainApi(a.config, silentLogger);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const status = (base: string, path: string, init: RequestInit = {}) =>
    fetch(base + path, init).then(async (r) => (await r.arrayBuffer(), r.status));

  test('a user’s requests on both instances count against one limit', async () => {
    const shop = await a.createShop();
    const { token } = await a.createStaff(shop.id);
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await status(a.url, '/auth/me', auth));
    for (let i = 0; i < 3; i++) statuses.push(await status(b.url, '/auth/me', auth));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    // The 7th: over 6 for the cluster; each instance alone has seen only 3 (4 with this one).
    expect(await status(a.url, '/auth/me', auth)).toBe(shared ? 429 : 200);
    expect(await status(b.url, '/auth/me', auth)).toBe(shared ? 429 : 200);
    const res = await fetch(b.url + '/auth/me', auth);
    if (shared) {
      expect(res.status).toBe(429);
      expect(res.headers.get('ratelimit-limit')).toBe('6');
      const retry = Number(res.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(20);
    }
  });

  test('failed sign-ins for one username and address count across instances', async () => {
    const attempt = (base: string) =>
      status(base, '/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ghost', password: STAFF_PASSWORD }),
      });
    const statuses = [await attempt(a.url), await attempt(b.url), await attempt(a.url), await attempt(b.url)];
    expect(statuses).toEqual(shared ? [401, 401, 401, 429] : [401, 401, 401, 401]);
  });

  test('anonymous requests from one address count across instances', async () => {
    // Earlier sign-ins were anonymous requests too: read where each instance's count stands.
    const first = await fetch(a.url + '/');
    const second = await fetch(b.url + '/');
    const remainingA = Number(first.headers.get('ratelimit-remaining'));
    const remainingB = Number(second.headers.get('ratelimit-remaining'));
    if (!shared) {
      // Each instance counted only what it saw: b saw two failed sign-ins and this request, a more.
      expect(remainingB).toBe(20 - 3);
      return;
    }
    expect(remainingB).toBe(remainingA - 1);
    const statuses = [];
    for (let i = 0; i < remainingB; i++) statuses.push(await status(i % 2 ? b.url : a.url, '/'));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect([await status(a.url, '/'), await status(b.url, '/')]).toEqual([429, 429]);
  });
});
