/**
 * The sign-in guard against hostile clients (issue 11), with the DEFAULT limits and the default
 * TRUST_PROXY (loopback peers are our own proxy): each test request comes from 127.0.0.1 with an
 * X-Forwarded-For naming the phone, exactly as the web app's vite proxy sends it.
 */
import { hashPassword, now, passwordHashingLoad } from '@simcard/common';
import { ADMIN_PASSWORD, type ApiResponse, STAFF_PASSWORD, TestApi } from './support/harness.js';

const throughProxy = (api: TestApi, username: string, password: string, phone: string): Promise<ApiResponse> =>
  api.post('/auth/login', { username, password }, { token: null, headers: { 'x-forwarded-for': phone } });

/** Runs `tasks` with at most `n` in flight. */
async function pool<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

describe('a morning wave through the proxy', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(() => api.close());

  test('200 staff signing in within a minute through the proxy, each from their own phone, all get in', async () => {
    const shop = await api.createShop();
    const hash = await hashPassword(STAFF_PASSWORD, 10);
    const names = Array.from({ length: 200 }, (_, i) => `morning${i}`);
    await api
      .db('users')
      .insert(
        names.map((username) => ({ username, password_hash: hash, role: 'staff', shop_id: shop.id, created_at: now(), updated_at: now() })),
      );
    const started = Date.now();
    const answers = await pool(
      20,
      names.map((name, i) => () => throughProxy(api, name, STAFF_PASSWORD, `10.20.${i >> 8}.${i & 255}`)),
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(answers.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`)).toEqual([]);
  });
});

test('the main API listens on loopback only by default (HOST opens it): nothing but our own proxy can be a loopback peer', async () => {
  const api = await TestApi.start();
  try {
    expect((api.running.server.address() as { address: string }).address).toBe('127.0.0.1');
  } finally {
    await api.close();
  }
});

describe('behind our proxy, with the default limits', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(() => api.close());

  test("one phone's 101 failed sign-ins for made-up names lock nobody else out", async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    const attacker = '192.0.2.66';
    for (let i = 0; i < 101; i++) await throughProxy(api, `nobody${i}`, 'wrong-password', attacker);
    // The phone itself is held back...
    expect((await throughProxy(api, `nobody-more`, 'wrong-password', attacker)).status).toBe(429);
    // ...nobody else is.
    expect((await throughProxy(api, 'admin', ADMIN_PASSWORD, '192.0.2.10')).status).toBe(200);
    expect((await throughProxy(api, user.username, STAFF_PASSWORD, '192.0.2.11')).status).toBe(200);
    // Anonymous requests of other phones have their own buckets too.
    expect((await api.get('/', { token: null, headers: { 'x-forwarded-for': '192.0.2.12' } })).status).toBe(200);
  });

  test('60 simultaneous guesses for one user from one address: at most 10 are checked, the rest are refused before any check', async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    const phone = '198.51.100.60';
    // The right password last: with every guess checked (the race), it would get in.
    const guesses = [...Array.from({ length: 59 }, (_, i) => `guess-${i}`), STAFF_PASSWORD];
    const answers = await Promise.all(guesses.map((password) => throughProxy(api, user.username, password, phone)));
    const checked = answers.filter((r) => r.status === 401 || r.status === 200);
    expect(checked.length).toBeLessThanOrEqual(10);
    expect(answers.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(50);
    expect(answers.filter((r) => r.status !== 401 && r.status !== 200 && r.status !== 429)).toEqual([]);
  });

  test('10 wrong passwords from each of 5 addresses do not lock the real owner out, from a clean address or a known one', async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    // The owner signed in from their phone before.
    expect((await throughProxy(api, user.username, STAFF_PASSWORD, '203.0.113.5')).status).toBe(200);
    for (let a = 0; a < 5; a++) {
      for (let i = 0; i < 10; i++) expect((await throughProxy(api, user.username, `wrong-${i}`, `198.51.100.${a + 1}`)).status).toBe(401);
    }
    // Each attacking address is spent for this user...
    expect((await throughProxy(api, user.username, 'wrong-again', '198.51.100.1')).status).toBe(429);
    // ...the owner is not, from a clean address nor from their known phone.
    expect((await throughProxy(api, user.username, STAFF_PASSWORD, '203.0.113.200')).status).toBe(200);
    expect((await throughProxy(api, user.username, STAFF_PASSWORD, '203.0.113.5')).status).toBe(200);
  });

  test('past the per-username budget, guesses from new addresses are slowed (one a second), not refused', async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    for (let a = 0; a < 5; a++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => throughProxy(api, user.username, `wrong-${i}`, `198.51.101.${a + 1}`)));
    }
    const started = Date.now();
    const slowed = await Promise.all([1, 2, 3, 4].map((a) => throughProxy(api, user.username, 'still-wrong', `198.51.102.${a}`)));
    expect(slowed.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    // One at a time, a second apart: the fourth waited at least 3 s more than the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3500);
  });
});

describe('password hashing does not starve the database driver', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(() => api.close());

  test("40 concurrent sign-ins hash a few at a time, leaving the pool's other threads to the driver, and reads go on answering", async () => {
    // A real cost for this test (N=2^14: tens of ms per hash, 16 MiB each); the suite's default is cheap.
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    await api
      .db('users')
      .where({ id: user.id })
      .update({ password_hash: await hashPassword(STAFF_PASSWORD, 14) });
    /** GET /shops one after another until `done()`: each answer's time. */
    const measure = async (done: () => boolean) => {
      const latencies: number[] = [];
      while (!done()) {
        const t = performance.now();
        const res = await api.get('/shops');
        latencies.push(performance.now() - t);
        expect(res.status).toBe(200);
        await new Promise((r) => setTimeout(r, 10));
      }
      latencies.sort((a, b) => a - b);
      return { n: latencies.length, p95: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))]! };
    };
    // The same reads alone first: on a loaded 2-core machine they are slow without any sign-in,
    // and the bound is about what the sign-ins add (before: 5.9 s on SQLite here).
    const baselineUntil = Date.now() + 1500;
    const baseline = await measure(() => Date.now() > baselineUntil);
    let loginsDone = false;
    const during = measure(() => loginsDone);
    // How many hashes run at once, sampled while the sign-ins go on.
    let mostHashing = 0;
    const sampler = setInterval(() => (mostHashing = Math.max(mostHashing, passwordHashingLoad().running)), 2);
    // 40 bad sign-ins for a real user from 40 phones (under every sign-in limit: each is checked).
    const logins = await Promise.all(
      Array.from({ length: 40 }, (_, i) => throughProxy(api, user.username, `bad-${i}`, `100.64.0.${i + 1}`)),
    );
    loginsDone = true;
    clearInterval(sampler);
    const { n, p95 } = await during;
    expect(logins.map((r) => r.status)).toEqual(Array(40).fill(401));
    // libuv's pool has 4 threads: hashing never takes more than PASSWORD_HASH_CONCURRENCY of them.
    expect(mostHashing).toBeGreaterThanOrEqual(1);
    expect(mostHashing).toBeLessThanOrEqual(api.config.passwordHashing.concurrency);
    expect(api.config.passwordHashing.concurrency).toBeLessThan(4);
    expect(n).toBeGreaterThanOrEqual(5);
    // The figure the issue measured (5.9 s before the queue), for the log, not a verdict: timing
    // depends on the machine's load.
    console.log(`reads during 40 sign-ins: p95 ${Math.round(p95)} ms (alone: ${Math.round(baseline.p95)} ms)`);
  });
});
