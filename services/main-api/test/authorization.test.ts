/**
 * Authorization, as OWASP API Security Top 10 (2023) frames it:
 * - object level (API1): staff of shop A get 404 for every object of shop B and for stock —
 *   the same answer as for an id that does not exist — and nothing changes in the database;
 * - function level (API5): every admin-only route, listed from the router itself, answers staff 403;
 * - property level (API3): staff may edit a SIM's notes and nothing else; no response carries
 *   a password hash, a password or a token version;
 * - authentication: every non-public route, listed from the router, answers 401 without a token.
 */
import type { EndpointSpec } from '@simcard/common';
import { TokenService } from '@simcard/common';
import { createApp } from '../src/app.js';
import { ADMIN_PASSWORD, type ApiResponse, makeMsisdn, STAFF_PASSWORD, TestApi } from './support/harness.js';

type Endpoint = Pick<EndpointSpec<undefined, undefined, undefined>, 'method' | 'path' | 'access' | 'summary'>;

/** An id no row has (the ids are at most 2^31 - 1). */
const MISSING_ID = 2_147_483_000;

let api: TestApi;
let endpoints: Endpoint[];
let shopA: any;
let shopB: any;
let staffA: { user: any; token: string };
let simA: any;
let simA2: any;
let simB: any;
let simStock: any;

beforeAll(async () => {
  api = await TestApi.start();
  // The route table, read from the router the server runs (not a hand-kept list).
  const built = createApp({
    config: api.config,
    db: api.db,
    tokens: new TokenService('x'.repeat(32), 60),
    log: { info() {}, warn() {}, error() {} },
  });
  endpoints = built.api.endpoints.map(({ method, path, access, summary }) => ({ method, path, access, summary }));

  shopA = await api.createShop({ city: 'Tashkent' });
  shopB = await api.createShop({ city: 'Samarkand' });
  staffA = await api.createStaff(shopA.id);
  simA = await api.createSimcard({ shop_id: shopA.id, notes: 'first', price: 15000, msisdn: makeMsisdn() });
  simA2 = await api.createSimcard({ shop_id: shopA.id });
  simB = await api.createSimcard({ shop_id: shopB.id, notes: 'belongs to B', price: 20000, msisdn: makeMsisdn() });
  await api.createSimcard({ shop_id: shopB.id });
  simStock = await api.createSimcard({ notes: 'in the warehouse' });
  await api.createSimcard();
});

afterAll(() => api.close());

/** Every row a staff request could change, in a stable order. */
async function snapshot() {
  const [shops, simcards, users, assignmentLogs] = await Promise.all([
    api.db('shops').select().orderBy('id'),
    api.db('simcards').select().orderBy('id'),
    api.db('users').select().orderBy('id'),
    api.db('assignment_logs').count({ n: '*' }).first(),
  ]);
  return { shops, simcards, users, assignmentLogs: Number(assignmentLogs?.n) };
}

const simRow = (id: number) => api.db('simcards').where({ id }).first();
const shopRow = (id: number) => api.db('shops').where({ id }).first();

/** The first path segment names the resource; a real id of it (staff A's own, where that matters). */
function realIdFor(path: string, param: string): string {
  if (param === 'iccid') return simA.iccid;
  const resource = path.split('/')[1];
  if (resource === 'simcards') return String(simA.id);
  if (resource === 'users') return String(staffA.user.id);
  return String(shopA.id);
}

function fillPath(path: string, fill: (param: string) => string = (param) => realIdFor(path, param)): string {
  return path.replace(/\{(\w+)\}/g, (_, param: string) => encodeURIComponent(fill(param)));
}

function expectError(res: ApiResponse, status: number, code?: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: {
      error: expect.objectContaining({ code: code ?? expect.any(String), message: expect.any(String) }),
    },
  });
}

/** Keys and text that must never leave the server. */
function expectNoSecrets(res: ApiResponse): void {
  const keys: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        keys.push(key);
        walk(inner);
      }
    }
  };
  walk(res.body);
  expect(keys).not.toContain('password_hash');
  expect(keys).not.toContain('password');
  expect(keys).not.toContain('token_version');
  expect(res.text).not.toMatch(/password_hash|token_version|"password"|scrypt\$/);
  expect(res.text).not.toContain(STAFF_PASSWORD);
  expect(res.text).not.toContain(ADMIN_PASSWORD);
}

describe('object level: staff of shop A and the objects of shop B and of stock', () => {
  interface Case {
    name: string;
    method: 'GET' | 'PUT' | 'DELETE';
    path: (id: number) => string;
    /** Whose id: shop B, a SIM of shop B, or a SIM in stock. */
    target: () => number;
    body?: () => unknown;
    status: 403 | 404;
  }

  // 404: the route is open to staff, and shop B's objects are, to them, as if they did not exist.
  // 403: the route is admin-only, so staff get 403 for every id, theirs, B's or none: it says
  //      nothing about whether the object exists.
  const cases: Case[] = [
    { name: 'GET /shops/{B}', method: 'GET', path: (id) => `/shops/${id}`, target: () => shopB.id, status: 404 },
    {
      name: 'PUT /shops/{B} (admin-only)',
      method: 'PUT',
      path: (id) => `/shops/${id}`,
      target: () => shopB.id,
      body: () => ({ name: 'Taken over' }),
      status: 403,
    },
    { name: 'DELETE /shops/{B} (admin-only)', method: 'DELETE', path: (id) => `/shops/${id}`, target: () => shopB.id, status: 403 },
    { name: "GET /simcards/{B's SIM}", method: 'GET', path: (id) => `/simcards/${id}`, target: () => simB.id, status: 404 },
    {
      name: "PUT /simcards/{B's SIM} with notes",
      method: 'PUT',
      path: (id) => `/simcards/${id}`,
      target: () => simB.id,
      body: () => ({ notes: 'mine now' }),
      status: 404,
    },
    {
      name: "PUT /simcards/{B's SIM} moving it to shop A",
      method: 'PUT',
      path: (id) => `/simcards/${id}`,
      target: () => simB.id,
      body: () => ({ shop_id: shopA.id }),
      status: 404,
    },
    {
      name: "DELETE /simcards/{B's SIM} (admin-only)",
      method: 'DELETE',
      path: (id) => `/simcards/${id}`,
      target: () => simB.id,
      status: 403,
    },
    { name: 'GET /simcards/{in-stock SIM}', method: 'GET', path: (id) => `/simcards/${id}`, target: () => simStock.id, status: 404 },
    {
      name: 'PUT /simcards/{in-stock SIM} with notes',
      method: 'PUT',
      path: (id) => `/simcards/${id}`,
      target: () => simStock.id,
      body: () => ({ notes: 'mine now' }),
      status: 404,
    },
    {
      name: 'PUT /simcards/{in-stock SIM} claiming it for shop A',
      method: 'PUT',
      path: (id) => `/simcards/${id}`,
      target: () => simStock.id,
      body: () => ({ shop_id: shopA.id }),
      status: 404,
    },
    {
      name: 'DELETE /simcards/{in-stock SIM} (admin-only)',
      method: 'DELETE',
      path: (id) => `/simcards/${id}`,
      target: () => simStock.id,
      status: 403,
    },
    { name: 'GET /simcards?shop_id={B}', method: 'GET', path: (id) => `/simcards?shop_id=${id}`, target: () => shopB.id, status: 404 },
  ];

  const send = (c: Case, id: number) => api.request(c.method, c.path(id), { token: staffA.token, ...(c.body ? { body: c.body() } : {}) });

  test.each(cases)('staff of another shop get $status for $name, the same answer as for a missing id, and nothing changes', async (c) => {
    const before = await snapshot();
    const res = await send(c, c.target());
    expectError(res, c.status, c.status === 404 ? 'not_found' : 'forbidden');
    // Indistinguishable from an id that does not exist: same status, same code, same message.
    const missing = await send(c, MISSING_ID);
    expect(missing.status).toBe(res.status);
    expect(missing.body).toEqual(res.body);
    expect(await snapshot()).toEqual(before);
  });

  test('the admin-only answer (403) is the same for shop B, shop A and a missing id: it does not reveal existence', async () => {
    for (const [method, path] of [
      ['PUT', '/shops'],
      ['DELETE', '/shops'],
      ['DELETE', '/simcards'],
    ] as const) {
      const ids = path === '/shops' ? [shopB.id, shopA.id, MISSING_ID] : [simB.id, simStock.id, simA.id, MISSING_ID];
      const answers = await Promise.all(
        ids.map((id) =>
          api.request(method, `${path}/${id}`, { token: staffA.token, ...(method === 'PUT' ? { body: { name: 'x' } } : {}) }),
        ),
      );
      for (const res of answers) {
        expectError(res, 403, 'forbidden');
        expect(res.body).toEqual(answers[0]!.body);
      }
    }
    expect(await shopRow(shopB.id)).toBeDefined();
    expect(await simRow(simA.id)).toBeDefined();
  });

  test("every route taking a shop or SIM id (read from the router) answers staff for shop B's objects and stock exactly as for a missing id", async () => {
    const withId = endpoints.filter((e) => e.access !== 'public' && /^\/(shops|simcards)\/\{id\}/.test(e.path));
    expect(withId.length).toBeGreaterThanOrEqual(6);
    const bodies: Record<string, unknown> = { 'put /shops/{id}': { name: 'Taken over' }, 'put /simcards/{id}': { notes: 'mine now' } };
    for (const endpoint of withId) {
      const foreign = endpoint.path.startsWith('/shops') ? [shopB.id] : [simB.id, simStock.id];
      const body = bodies[`${endpoint.method} ${endpoint.path}`];
      const send = (id: number) =>
        api.request(
          endpoint.method.toUpperCase(),
          fillPath(endpoint.path, () => String(id)),
          {
            token: staffA.token,
            ...(body ? { body } : {}),
          },
        );
      const missing = await send(MISSING_ID);
      for (const id of foreign) {
        const before = await snapshot();
        const res = await send(id);
        expect({ route: `${endpoint.method} ${endpoint.path}`, id, status: res.status, body: res.body }).toEqual({
          route: `${endpoint.method} ${endpoint.path}`,
          id,
          status: missing.status,
          body: missing.body,
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        if (endpoint.access === 'admin') expect(res.status).toBe(403);
        expect(await snapshot()).toEqual(before);
      }
    }
  });

  test("staff of another shop cannot find shop B's or stock SIMs by searching their ICCID", async () => {
    for (const sim of [simB, simStock]) {
      const res = await api.get(`/simcards?q=${sim.iccid}`, { token: staffA.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ data: [], total: 0 });
    }
    const inStock = await api.get('/simcards?status=in_stock', { token: staffA.token });
    expect(inStock.body).toMatchObject({ data: [], total: 0 });
  });

  test('staff can read and annotate their own shop and its SIMs (the 404s above are about ownership, not the route)', async () => {
    expect((await api.get(`/shops/${shopA.id}`, { token: staffA.token })).status).toBe(200);
    expect((await api.get(`/simcards/${simA2.id}`, { token: staffA.token })).status).toBe(200);
    expect((await api.get(`/simcards?shop_id=${shopA.id}`, { token: staffA.token })).status).toBe(200);
    const res = await api.put(`/simcards/${simA2.id}`, { notes: 'on the shelf' }, { token: staffA.token });
    expect(res.status).toBe(200);
    expect((await simRow(simA2.id)).notes).toBe('on the shelf');
  });
});

describe("object level: staff lists hold only their own shop's objects", () => {
  test('GET /shops gives staff their own shop only', async () => {
    const res = await api.get('/shops?limit=500', { token: staffA.token });
    expect(res.status).toBe(200);
    expect(res.body.data.map((s: { id: number }) => s.id)).toEqual([shopA.id]);
    expect(res.body.total).toBe(1);
    // The admin sees both, so the filter is the staff scope, not an empty database.
    const all = await api.get('/shops?limit=500');
    expect(all.body.data.map((s: { id: number }) => s.id)).toEqual(expect.arrayContaining([shopA.id, shopB.id]));
  });

  test("GET /shops searched by shop B's code gives staff nothing", async () => {
    const res = await api.get(`/shops?q=${shopB.code}`, { token: staffA.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: [], total: 0 });
  });

  test("GET /simcards gives staff exactly their shop's SIMs, in any sort order", async () => {
    const own = await api.db('simcards').where({ shop_id: shopA.id }).select('id');
    const ownIds = own.map((r: { id: number }) => r.id).sort((a: number, b: number) => a - b);
    expect(ownIds.length).toBeGreaterThanOrEqual(2);
    for (const sort of ['-id', 'iccid', 'price', '-created_at']) {
      const res = await api.get(`/simcards?limit=500&sort=${sort}`, { token: staffA.token });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(ownIds.length);
      expect(res.body.data.every((s: { shop_id: number }) => s.shop_id === shopA.id)).toBe(true);
      expect(res.body.data.map((s: { id: number }) => s.id).sort((a: number, b: number) => a - b)).toEqual(ownIds);
    }
  });
});

describe('function level: admin-only routes, listed from the router', () => {
  test('the router has at least 10 admin-only routes', () => {
    const admin = endpoints.filter((e) => e.access === 'admin');
    expect(admin.length).toBeGreaterThanOrEqual(10);
    // The ones the specification names as admin work are among them.
    expect(admin.map((e) => `${e.method.toUpperCase()} ${e.path}`)).toEqual(
      expect.arrayContaining([
        'POST /shops',
        'PUT /shops/{id}',
        'DELETE /shops/{id}',
        'POST /simcards',
        'DELETE /simcards/{id}',
        'GET /users',
        'POST /users',
        'GET /users/{id}',
        'PUT /users/{id}',
        'DELETE /users/{id}',
      ]),
    );
  });

  test('the router and its route table agree: every admin endpoint is routed', () => {
    const routed = new Set(
      createApp({
        config: api.config,
        db: api.db,
        tokens: new TokenService('x'.repeat(32), 60),
        log: { info() {}, warn() {}, error() {} },
      }).api.router.stack.flatMap((layer) => layer.methods.map((m) => `${m} ${String(layer.path)}`)),
    );
    for (const e of endpoints.filter((x) => x.access === 'admin')) {
      expect(routed).toContain(`${e.method.toUpperCase()} ${e.path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
  });

  test('staff get 403 on 100% of admin-only routes (path ids filled with real ids), and nothing changes', async () => {
    const admin = endpoints.filter((e) => e.access === 'admin');
    const before = await snapshot();
    const answers: { route: string; status: number; code: unknown }[] = [];
    for (const e of admin) {
      const method = e.method.toUpperCase();
      // A body that would be valid for an admin where that is easy, so only the role is wrong.
      const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? { name: 'x', notes: 'x' } : undefined;
      const res = await api.request(method, fillPath(e.path), { token: staffA.token, ...(body ? { body } : {}) });
      answers.push({ route: `${method} ${e.path}`, status: res.status, code: res.body?.error?.code });
    }
    expect(answers).toEqual(admin.map((e) => ({ route: `${e.method.toUpperCase()} ${e.path}`, status: 403, code: 'forbidden' })));
    expect(await snapshot()).toEqual(before);
  });

  test('the admin token is allowed where staff are refused (the 403 is about the role)', async () => {
    expect((await api.get('/users')).status).toBe(200);
    expect((await api.get(`/users/${staffA.user.id}`)).status).toBe(200);
  });
});

describe('property level: what staff may change, and what never leaves the server', () => {
  test('staff may change the notes of their own SIM', async () => {
    const res = await api.put(`/simcards/${simA.id}`, { notes: 'customer will come back' }, { token: staffA.token });
    expect(res.status).toBe(200);
    expect(res.body.notes).toBe('customer will come back');
    expect((await simRow(simA.id)).notes).toBe('customer will come back');
  });

  test.each([
    { label: 'shop_id (transfer)', body: () => ({ shop_id: shopB.id }), fields: ['shop_id'] },
    { label: 'shop_id null (return to stock)', body: () => ({ shop_id: null }), fields: ['shop_id'] },
    { label: 'price', body: () => ({ price: 1 }), fields: ['price'] },
    { label: 'msisdn', body: () => ({ msisdn: makeMsisdn('91') }), fields: ['msisdn'] },
    { label: 'operator and tariff', body: () => ({ operator: 'ucell', tariff: 'free' }), fields: ['operator', 'tariff'] },
    { label: 'notes together with shop_id', body: () => ({ notes: 'sneaky', shop_id: shopB.id }), fields: ['shop_id'] },
  ])('staff changing $label of their own SIM get 403 naming the field, and the row is unchanged', async ({ body, fields }) => {
    const before = await snapshot();
    const res = await api.put(`/simcards/${simA.id}`, body(), { token: staffA.token });
    expectError(res, 403, 'forbidden');
    const named = (res.body.error.details ?? []).map((d: { field?: string }) => d.field);
    expect(named.sort()).toEqual([...fields].sort());
    expect(await snapshot()).toEqual(before);
  });

  test('staff cannot create an admin account (403), and none is created', async () => {
    const before = await snapshot();
    const res = await api.post(
      '/users',
      { username: 'sneaky-admin', password: 'long-enough-password', role: 'admin' },
      { token: staffA.token },
    );
    expectError(res, 403, 'forbidden');
    expect(await api.db('users').where({ username: 'sneaky-admin' }).first()).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  test('staff cannot promote themselves: PUT /users/{self} with role admin is 403 and the role stays staff', async () => {
    const res = await api.put(`/users/${staffA.user.id}`, { role: 'admin', shop_id: null }, { token: staffA.token });
    expectError(res, 403, 'forbidden');
    const row = await api.db('users').where({ id: staffA.user.id }).first();
    expect(row.role).toBe('staff');
    expect(row.shop_id).toBe(shopA.id);
  });

  test('no response holds password_hash, password or token_version: login, /auth/me, and every /users answer', async () => {
    const username = `leakcheck${Date.now().toString(36)}`;
    const responses: ApiResponse[] = [];

    const login = await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { token: null });
    expect(login.status).toBe(200);
    responses.push(login);
    responses.push(await api.get('/auth/me'));
    responses.push(await api.get('/auth/me', { token: staffA.token }));

    const created = await api.post('/users', {
      username,
      password: STAFF_PASSWORD,
      role: 'staff',
      shop_id: shopA.id,
      full_name: 'Leak Check',
    });
    expect(created.status).toBe(201);
    responses.push(created);
    const staffLogin = await api.post('/auth/login', { username, password: STAFF_PASSWORD }, { token: null });
    expect(staffLogin.status).toBe(200);
    responses.push(staffLogin);

    responses.push(await api.get('/users?limit=500'));
    responses.push(await api.get(`/users/${created.body.id}`));
    responses.push(await api.put(`/users/${created.body.id}`, { full_name: 'Renamed', password: 'another-password-2' }));
    responses.push(await api.get(`/users/${created.body.id}`));

    for (const res of responses) {
      expect(res.status).toBeLessThan(300);
      expectNoSecrets(res);
    }
    // The list did include users, so the check above looked at user objects.
    expect(responses[5]!.body.data.length).toBeGreaterThanOrEqual(3);
  });

  test('a failed login does not say whether the user exists, and holds no secrets either', async () => {
    const unknown = await api.post('/auth/login', { username: 'nobody-here', password: 'whatever-1' }, { token: null });
    const wrong = await api.post('/auth/login', { username: 'admin', password: 'wrong-password' }, { token: null });
    expectError(unknown, 401);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expectNoSecrets(unknown);
  });
});

describe('authentication: every non-public route, listed from the router', () => {
  const fillerBody = { name: 'x' };

  test('no shop, SIM card or user route is public; the public ones include monitoring, docs and login', () => {
    const publicRoutes = endpoints.filter((e) => e.access === 'public').map((e) => `${e.method.toUpperCase()} ${e.path}`);
    expect(publicRoutes).toEqual(expect.arrayContaining(['GET /', 'GET /health', 'GET /openapi.json', 'GET /docs', 'POST /auth/login']));
    expect(publicRoutes.filter((r) => /^\w+ \/(shops|simcards|users)\b/.test(r))).toEqual([]);
    expect(endpoints.filter((e) => e.access !== 'public').length).toBeGreaterThan(15);
  });

  test.each<{ label: string; headers: Record<string, string> }>([
    { label: 'no Authorization header', headers: {} },
    { label: 'a token that is not a JWT', headers: { authorization: 'Bearer not-a-jwt' } },
    { label: 'a non-Bearer scheme', headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` } },
    { label: 'an empty Bearer', headers: { authorization: 'Bearer ' } },
  ])('with $label, 100% of non-public routes answer 401 with WWW-Authenticate: Bearer', async ({ headers }) => {
    const protectedRoutes = endpoints.filter((e) => e.access !== 'public');
    const before = await snapshot();
    const answers: { route: string; status: number; code: unknown; challenge: string | null }[] = [];
    for (const e of protectedRoutes) {
      const method = e.method.toUpperCase();
      const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? fillerBody : undefined;
      const res = await api.request(method, fillPath(e.path), { token: null, headers, ...(body ? { body } : {}) });
      answers.push({
        route: `${method} ${e.path}`,
        status: res.status,
        code: typeof res.body?.error?.code,
        challenge: res.headers.get('www-authenticate'),
      });
    }
    expect(answers).toEqual(
      protectedRoutes.map((e) => ({ route: `${e.method.toUpperCase()} ${e.path}`, status: 401, code: 'string', challenge: 'Bearer' })),
    );
    expect(await snapshot()).toEqual(before);
  });
});
