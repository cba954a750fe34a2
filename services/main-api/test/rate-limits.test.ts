/**
 * Rate limits over real HTTP, with small limits and windows of one or two seconds set through
 * the configuration. "Resets" waits for the window the server announced in Retry-After.
 */
import { ADMIN_PASSWORD, STAFF_PASSWORD, TestApi } from './support/harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitOut = (res: { headers: Headers }) => sleep(Number(res.headers.get('retry-after')) * 1000 + 100);

describe('anonymous requests, per client IP', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start({ RATE_LIMIT_ANON: '3/2' });
  });
  afterAll(() => api.close());

  test('the 4th request in the window is a 429 with Retry-After and RateLimit headers, and the limit resets', async () => {
    await sleep(2100); // past the window of the harness's own sign-in
    const ok = [];
    for (let i = 0; i < 3; i++) ok.push(await api.get('/', { token: null }));
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ok.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0']);
    expect(ok[0]!.headers.get('ratelimit-limit')).toBe('3');
    expect(ok[0]!.headers.get('ratelimit-policy')).toBe('3;w=2');

    const refused = await api.get('/', { token: null });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refused.headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');

    // Signed-in requests from the same address are not held back by it.
    expect((await api.get('/auth/me')).status).toBe(200);

    await waitOut(refused);
    expect((await api.get('/', { token: null })).status).toBe(200);
  });
});

describe('signed-in requests, per user and per API key', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start({ RATE_LIMIT_USER: '4/2', RATE_LIMIT_API_KEY: '2/2' });
  });
  afterAll(() => api.close());

  test('one user over the limit does not hold back another user at the same address', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await api.get('/auth/me', { token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const admin = await api.get('/auth/me');
    expect(admin.status).toBe(200);
    const refused = await api.get('/auth/me', { token });
    expect(refused.status).toBe(429);
    await waitOut(refused);
    expect((await api.get('/auth/me', { token })).status).toBe(200);
  });

  test('an API key has its own limit', async () => {
    await sleep(2100); // the admin's own window from creating the fixtures
    const { key } = (await api.post('/api-keys', { name: 'busy', role: 'read' })).body;
    const headers = { 'x-api-key': key };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.get('/shops', { token: null, headers })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await api.get('/shops')).status).toBe(200);
  });
});

describe('failed sign-ins', () => {
  let api: TestApi;
  beforeAll(async () => {
    // The test's requests come from loopback, our own proxy by default: X-Forwarded-For names the client.
    api = await TestApi.start({ LOGIN_LIMIT_USER_IP: '3/2', LOGIN_LIMIT_USER: '5/2', LOGIN_LIMIT_IP: '8/2' });
  });
  afterAll(() => api.close());

  const login = (username: string, password: string, ip = '203.0.113.1') =>
    api.post('/auth/login', { username, password }, { token: null, headers: { 'x-forwarded-for': ip } });

  test('after 3 failures for a username from one address even the right password gets 429, until the window passes', async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    for (let i = 0; i < 3; i++) expect((await login(user.username, 'wrong-password')).status).toBe(401);
    const locked = await login(user.username, STAFF_PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(locked.text).not.toContain('token');

    // The owner, from their own address, is not locked out.
    expect((await login(user.username, STAFF_PASSWORD, '198.51.100.7')).status).toBe(200);

    await waitOut(locked);
    expect((await login(user.username, STAFF_PASSWORD)).status).toBe(200);
  });

  test('a success clears the failures counted for that username and address', async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    const ip = '203.0.113.50';
    for (let i = 0; i < 2; i++) await login(user.username, 'wrong-password', ip);
    expect((await login(user.username, STAFF_PASSWORD, ip)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login(user.username, 'wrong-password', ip)).status).toBe(401);
    expect((await login(user.username, STAFF_PASSWORD, ip)).status).toBe(200);
  });

  test('failures from many addresses spend the per-username budget, which slows new addresses but never refuses the owner', async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    for (let i = 0; i < 5; i++) expect((await login(user.username, 'wrong-password', `192.0.2.${i + 10}`)).status).toBe(401);
    const started = Date.now();
    expect((await login(user.username, STAFF_PASSWORD, '192.0.2.99')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // the slow lane: a second
  });

  test('behind the proxy the address it appended counts, not one the client put first in X-Forwarded-For', async () => {
    for (let i = 0; i < 3; i++) expect((await login('admin', 'wrong-password', `10.0.0.${i}, 203.0.113.77`)).status).toBe(401);
    expect((await login('admin', ADMIN_PASSWORD, '10.0.0.99, 203.0.113.77')).status).toBe(429);
  });

  test('one address trying many usernames hits the per-address cap', async () => {
    const ip = '203.0.113.200';
    for (let i = 0; i < 8; i++) expect((await login(`nobody${i}`, 'wrong-password', ip)).status).toBe(401);
    expect((await login('admin', ADMIN_PASSWORD, ip)).status).toBe(429);
    expect((await login('admin', ADMIN_PASSWORD, '203.0.113.201')).status).toBe(200);
  });
});

describe('X-Forwarded-For from a peer that is not our proxy', () => {
  let api: TestApi;
  beforeAll(async () => {
    // Loopback is not a trusted proxy here: the test's requests are direct clients.
    api = await TestApi.start({ RATE_LIMIT_ANON: '3/60', TRUST_PROXY: '10.255.255.1' });
  });
  afterAll(() => api.close());

  test('is ignored: a client cannot pick another bucket by claiming another address', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await api.get('/', { token: null, headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
    expect(statuses.slice(-1)).toEqual([429]);
  });
});

describe('/health and /metrics', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start({ RATE_LIMIT_ANON: '3/60' });
  });
  afterAll(() => api.close());

  test('a monitor on this machine polling /health every 250 ms for 3 s never sees 429, nor one with credentials', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      statuses.add((await api.get('/health', { token: null })).status);
      statuses.add((await api.get('/health')).status);
      statuses.add((await api.get('/metrics', { token: null })).status);
      await sleep(250);
    }
    expect([...statuses].filter((s) => s === 429)).toEqual([]);
  });

  test('an anonymous monitor elsewhere has its own generous /health bucket: the API limit spent, /health still answers', async () => {
    const monitor = { 'x-forwarded-for': '192.0.2.250' };
    for (let i = 0; i < 4; i++) await api.get('/', { token: null, headers: monitor });
    expect((await api.get('/', { token: null, headers: monitor })).status).toBe(429);
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) statuses.add((await api.get('/health', { token: null, headers: monitor })).status);
    expect(statuses.has(429)).toBe(false);
  });
});

test('the default limits let a busy office at one address work: 300 signed-in requests and 30 sign-ins in a row', async () => {
  const api = await TestApi.start();
  try {
    const shop = await api.createShop();
    const staff = [];
    for (let i = 0; i < 10; i++) staff.push(await api.createStaff(shop.id));
    for (let i = 0; i < 20; i++) await api.login(staff[i % 10]!.user.username, STAFF_PASSWORD);
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) statuses.add((await api.get('/shops', { token: staff[i % 10]!.token })).status);
    expect([...statuses]).toEqual([200]);
  } finally {
    await api.close();
  }
});
