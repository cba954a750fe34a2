/**
 * User management (admins only): staff belong to exactly one existing shop, admins to none;
 * usernames are case-insensitive; a change to password, activity, role or shop signs the user
 * out everywhere; nobody can lock every admin out; secrets never leave the server.
 */
import type { Principal } from '@simcard/common';
import { UsersService } from '../src/services/users.js';
import { ADMIN_PASSWORD, type ApiResponse, type RequestOptions, STAFF_PASSWORD, TestApi } from './support/harness.js';

let api: TestApi;
let shopA: any;
let shopB: any;

beforeAll(async () => {
  api = await TestApi.start();
  shopA = await api.createShop({ name: 'Users Shop A' });
  shopB = await api.createShop({ name: 'Users Shop B' });
});
afterAll(() => api.close());

const USER_FIELDS = [
  'created_at',
  'full_name',
  'id',
  'is_active',
  'language',
  'last_login_at',
  'role',
  'shop_id',
  'updated_at',
  'username',
];
const FORBIDDEN_KEYS = ['password_hash', 'password', 'token_version'];

/** Every key of every object inside `value`, at any depth. */
function keysOf(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into.add(key);
      keysOf(inner, into);
    }
  }
  return into;
}

/** Every response in this file goes through here: none may carry a secret. */
function noSecrets<T extends ApiResponse>(res: T): T {
  const keys = keysOf(res.body);
  for (const key of FORBIDDEN_KEYS) {
    if (keys.has(key)) throw new Error(`response to a users request contains "${key}": ${res.text}`);
  }
  if (res.text.includes('scrypt$')) throw new Error(`response contains a password hash: ${res.text}`);
  return res;
}
const get = async (path: string, options?: RequestOptions) => noSecrets(await api.get(path, options));
const post = async (path: string, body?: unknown, options?: RequestOptions) => noSecrets(await api.post(path, body, options));
const put = async (path: string, body?: unknown, options?: RequestOptions) => noSecrets(await api.put(path, body, options));
const del = async (path: string, options?: RequestOptions) => noSecrets(await api.delete(path, options));

function uniqueName(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 10)}`;
}

async function createUser(fields: Record<string, unknown>): Promise<any> {
  const res = await post('/users', { username: uniqueName('user'), password: STAFF_PASSWORD, ...fields });
  if (res.status !== 201) throw new Error(`create user failed: ${res.status} ${res.text}`);
  return res.body;
}
const createStaff = (shopId: number, fields: Record<string, unknown> = {}) => createUser({ role: 'staff', shop_id: shopId, ...fields });
const createAdmin = (fields: Record<string, unknown> = {}) => createUser({ role: 'admin', ...fields });

function login(username: string, password: string) {
  return post('/auth/login', { username, password }, { token: null });
}

function fieldsOf(res: ApiResponse): string[] {
  return (res.body?.error?.details ?? []).map((d: { field?: string }) => d.field);
}

/** The admin token of the harness is renewed when a test had to revoke it. */
async function adminId(): Promise<number> {
  return (await get('/auth/me')).body.user.id;
}

describe('creating users', () => {
  test('a staff user is created in an existing shop; the answer is the account without any secret', async () => {
    const username = uniqueName('staff');
    const res = await post('/users', {
      username,
      password: STAFF_PASSWORD,
      role: 'staff',
      shop_id: shopA.id,
      full_name: ' Aziza Karimova ',
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(USER_FIELDS);
    expect(res.body).toMatchObject({
      id: expect.any(Number),
      username,
      role: 'staff',
      shop_id: shopA.id,
      full_name: 'Aziza Karimova',
      is_active: true,
      last_login_at: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const signedIn = await login(username, STAFF_PASSWORD);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ id: res.body.id, role: 'staff', shop_id: shopA.id });
  });

  test('a staff user without shop_id is refused with 400 naming shop_id', async () => {
    for (const shop_id of [undefined, null]) {
      const res = await post('/users', { username: uniqueName('noshop'), password: STAFF_PASSWORD, role: 'staff', shop_id });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(fieldsOf(res)).toEqual(['shop_id']);
    }
  });

  test('a staff user in a shop that does not exist is refused with 400 naming shop_id', async () => {
    const username = uniqueName('ghostshop');
    const res = await post('/users', { username, password: STAFF_PASSWORD, role: 'staff', shop_id: 987654 });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['shop_id']);
    expect(await api.db('users').where({ username }).first()).toBeUndefined();
  });

  test('an admin is created without a shop; an admin with a shop_id is a 400 naming shop_id', async () => {
    const admin = await post('/users', { username: uniqueName('admin'), password: STAFF_PASSWORD, role: 'admin' });
    expect(admin.status).toBe(201);
    expect(admin.body).toMatchObject({ role: 'admin', shop_id: null, is_active: true });

    const withShop = await post('/users', { username: uniqueName('admin'), password: STAFF_PASSWORD, role: 'admin', shop_id: shopA.id });
    expect(withShop.status).toBe(400);
    expect(fieldsOf(withShop)).toEqual(['shop_id']);
  });

  test('the username is stored lower-case and signs in whatever its letter case', async () => {
    const base = uniqueName('mixed');
    const res = await post('/users', {
      username: `  ${base.toUpperCase()}.Case `,
      password: STAFF_PASSWORD,
      role: 'staff',
      shop_id: shopA.id,
    });
    expect(res.status).toBe(201);
    expect(res.body.username).toBe(`${base}.case`);
    expect((await login(`${base.toUpperCase()}.CASE`, STAFF_PASSWORD)).status).toBe(200);
  });

  test('a username already taken, in any letter case, is a 409 duplicate naming username', async () => {
    const user = await createStaff(shopA.id);
    for (const username of [user.username, user.username.toUpperCase()]) {
      const res = await post('/users', { username, password: 'another-password', role: 'admin' });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('duplicate');
      expect(fieldsOf(res)).toEqual(['username']);
    }
    expect(await api.db('users').where({ username: user.username })).toHaveLength(1);
  });

  test('a password shorter than 8 characters is a 400 naming password', async () => {
    const username = uniqueName('short');
    const res = await post('/users', { username, password: 'seven77', role: 'staff', shop_id: shopA.id });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['password']);
    expect(res.text).not.toContain('seven77');
    expect((await post('/users', { username, password: 'eight888', role: 'staff', shop_id: shopA.id })).status).toBe(201);
  });

  test('a malformed username, an unknown role or an unknown field is a 400 naming it', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ username: 'ab', password: STAFF_PASSWORD, role: 'admin' }, 'username'],
      [{ username: 'has space', password: STAFF_PASSWORD, role: 'admin' }, 'username'],
      [{ username: uniqueName('r'), password: STAFF_PASSWORD, role: 'root' }, 'role'],
      [{ username: uniqueName('r'), password: STAFF_PASSWORD, role: 'admin', token_version: 0 }, 'token_version'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/users', body);
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toContain(field);
    }
  });

  test('the users table keeps an scrypt hash, never the password itself', async () => {
    const user = await createStaff(shopA.id);
    const row = await api.db('users').where({ id: user.id }).first();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain(STAFF_PASSWORD);
    const other = await createStaff(shopA.id);
    const otherRow = await api.db('users').where({ id: other.id }).first();
    expect(otherRow.password_hash).not.toBe(row.password_hash); // salted
  });

  test('only admins manage users: staff get 403, no token gets 401', async () => {
    const { token } = await api.createStaff(shopA.id);
    expect((await get('/users', { token })).status).toBe(403);
    expect((await post('/users', { username: uniqueName('x'), password: STAFF_PASSWORD, role: 'admin' }, { token })).status).toBe(403);
    expect((await get('/users', { token: null })).status).toBe(401);
  });
});

describe('listing users', () => {
  let tag: string;
  let listShop: any;
  const made: any[] = [];

  beforeAll(async () => {
    tag = uniqueName('lst');
    listShop = await api.createShop({ name: 'Listing shop' });
    made.push(await createStaff(listShop.id, { username: `${tag}a`, full_name: 'Dilnoza Rahimova' }));
    made.push(await createStaff(listShop.id, { username: `${tag}b`, is_active: false }));
    made.push(await createStaff(shopB.id, { username: `${tag}c` }));
    made.push(await createAdmin({ username: `${tag}d` }));
    made.push(await createAdmin({ username: `${tag}e`, is_active: false }));
  });

  test('a list is a page of users with total, limit and offset', async () => {
    const res = await get(`/users?q=${tag}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: expect.any(Array), total: 5, limit: 50, offset: 0 });
    expect(res.body.data.map((u: any) => u.username)).toEqual([`${tag}a`, `${tag}b`, `${tag}c`, `${tag}d`, `${tag}e`]);
    for (const user of res.body.data) expect(Object.keys(user).sort()).toEqual(USER_FIELDS);
  });

  test('role filters by role', async () => {
    const staff = await get(`/users?q=${tag}&role=staff`);
    expect(staff.body.data.map((u: any) => u.username)).toEqual([`${tag}a`, `${tag}b`, `${tag}c`]);
    const admins = await get(`/users?q=${tag}&role=admin`);
    expect(admins.body.data.map((u: any) => u.username)).toEqual([`${tag}d`, `${tag}e`]);
    expect((await get('/users?role=root')).status).toBe(400);
  });

  test('shop_id filters by shop', async () => {
    const res = await get(`/users?shop_id=${listShop.id}`);
    expect(res.body.total).toBe(2);
    expect(res.body.data.map((u: any) => u.username)).toEqual([`${tag}a`, `${tag}b`]);
    expect((await get('/users?shop_id=abc')).status).toBe(400);
  });

  test('is_active filters active or deactivated users; other values are a 400', async () => {
    const inactive = await get(`/users?q=${tag}&is_active=false`);
    expect(inactive.body.data.map((u: any) => u.username)).toEqual([`${tag}b`, `${tag}e`]);
    const active = await get(`/users?q=${tag}&is_active=true`);
    expect(active.body.data.map((u: any) => u.username)).toEqual([`${tag}a`, `${tag}c`, `${tag}d`]);
    const bad = await get('/users?is_active=yes');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['is_active']);
  });

  test('q matches part of the username or of the full name, in any letter case', async () => {
    expect((await get(`/users?q=${tag.toUpperCase()}A`)).body.data.map((u: any) => u.username)).toEqual([`${tag}a`]);
    const byName = await get('/users?q=dilnoza%20RAHIM');
    expect(byName.body.data.map((u: any) => u.username)).toEqual([`${tag}a`]);
    expect((await get('/users?q=no-such-user-anywhere')).body).toMatchObject({ data: [], total: 0 });
  });

  test('q treats % and _ literally', async () => {
    const esc = uniqueName('esc');
    const under = await createStaff(listShop.id, { username: `${esc}_x` });
    await createStaff(listShop.id, { username: `${esc}yx` });
    const res = await get(`/users?q=${esc}_`);
    expect(res.body.data.map((u: any) => u.username)).toEqual([under.username]);
    expect((await get(`/users?q=${esc}%25`)).body.total).toBe(0);
  });

  test('limit and offset page through the list; total counts all matches', async () => {
    const all = (await get(`/users?q=${tag}`)).body;
    expect(all.total).toBe(5);
    const pages = [];
    for (const offset of [0, 2, 4]) {
      const page = await get(`/users?q=${tag}&limit=2&offset=${offset}`);
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset });
      pages.push(...page.body.data);
    }
    expect(pages.map((u: any) => u.id)).toEqual(all.data.map((u: any) => u.id));
    expect((await get(`/users?q=${tag}&limit=2&offset=10`)).body).toMatchObject({ data: [], total: 5 });
    expect((await get('/users?limit=9999')).body.limit).toBe(500);
    expect((await get('/users?limit=0')).status).toBe(400);
    expect((await get('/users?offset=-1')).status).toBe(400);
  });

  test('sort accepts whitelisted columns, ascending or with - descending; anything else is a 400 naming sort', async () => {
    const desc = await get(`/users?q=${tag}&sort=-username`);
    expect(desc.status).toBe(200);
    const names = desc.body.data.map((u: any) => u.username);
    expect(names).toEqual([...names].sort().reverse());
    const byId = await get(`/users?q=${tag}&sort=id`);
    const ids = byId.body.data.map((u: any) => u.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const column of ['role', 'created_at', '-last_login_at']) expect((await get(`/users?sort=${column}`)).status).toBe(200);
    for (const column of ['password_hash', 'token_version', 'full_name', 'username;drop table users']) {
      const res = await get(`/users?sort=${encodeURIComponent(column)}`);
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['sort']);
    }
  });

  test('an unknown query parameter is a 400 naming it', async () => {
    const res = await get('/users?password_hash=x');
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['password_hash']);
  });
});

describe('one user', () => {
  test('GET /users/{id} answers the user', async () => {
    const user = await createStaff(shopB.id, { full_name: 'Bobur Aliyev' });
    const res = await get(`/users/${user.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(user);
  });

  test('an unknown id is a 404, a non-numeric id a 400', async () => {
    const missing = await get('/users/999999');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await get('/users/abc')).status).toBe(400);
    expect((await put('/users/999999', { full_name: 'Nobody' })).status).toBe(404);
    expect((await del('/users/999999')).status).toBe(404);
  });
});

describe('changing users', () => {
  test('PUT changes full_name and username and leaves the rest as it was', async () => {
    const user = await createStaff(shopA.id, { full_name: 'Old Name' });
    const token = await api.login(user.username, STAFF_PASSWORD);
    const newName = uniqueName('renamed');
    const res = await put(`/users/${user.id}`, { full_name: 'New Name', username: newName.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: user.id,
      full_name: 'New Name',
      username: newName,
      role: 'staff',
      shop_id: shopA.id,
      is_active: true,
    });
    expect((await get(`/users/${user.id}`)).body).toMatchObject({ full_name: 'New Name', username: newName });
    expect((await login(newName, STAFF_PASSWORD)).status).toBe(200);
    expect((await login(user.username, STAFF_PASSWORD)).status).toBe(401);
    // A rename is not a security change: the user stays signed in.
    expect((await get('/auth/me', { token })).body.user.username).toBe(newName);
  });

  test('an empty full_name clears it', async () => {
    const user = await createStaff(shopA.id, { full_name: 'Someone' });
    const res = await put(`/users/${user.id}`, { full_name: '' });
    expect(res.status).toBe(200);
    expect(res.body.full_name).toBeNull();
  });

  test('renaming to a username already taken, in any letter case, is a 409 duplicate naming username', async () => {
    const first = await createStaff(shopA.id);
    const second = await createStaff(shopA.id);
    const res = await put(`/users/${second.id}`, { username: first.username.toUpperCase() });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('duplicate');
    expect(fieldsOf(res)).toEqual(['username']);
    expect((await get(`/users/${second.id}`)).body.username).toBe(second.username);
  });

  test('an empty body, a short password or an unknown field is a 400', async () => {
    const user = await createStaff(shopA.id);
    expect((await put(`/users/${user.id}`, {})).status).toBe(400);
    const short = await put(`/users/${user.id}`, { password: 'short' });
    expect(short.status).toBe(400);
    expect(fieldsOf(short)).toEqual(['password']);
    const unknown = await put(`/users/${user.id}`, { password_hash: 'scrypt$x' });
    expect(unknown.status).toBe(400);
    expect(fieldsOf(unknown)).toContain('password_hash');
    expect((await login(user.username, STAFF_PASSWORD)).status).toBe(200);
  });

  test('PUT password resets it: the old password no longer signs in, the new one does, older tokens get 401', async () => {
    const user = await createStaff(shopA.id);
    const oldToken = await api.login(user.username, STAFF_PASSWORD);
    const before = (await api.db('users').where({ id: user.id }).first()).password_hash;

    const res = await put(`/users/${user.id}`, { password: 'a-brand-new-password' });
    expect(res.status).toBe(200);

    const after = (await api.db('users').where({ id: user.id }).first()).password_hash;
    expect(after).toMatch(/^scrypt\$/);
    expect(after).not.toBe(before);
    const old = await login(user.username, STAFF_PASSWORD);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('invalid_credentials');
    expect((await login(user.username, 'a-brand-new-password')).status).toBe(200);
    expect((await get('/auth/me', { token: oldToken })).status).toBe(401);
  });

  test('deactivating a user revokes their tokens and blocks their login; reactivating lets them sign in again', async () => {
    const user = await createStaff(shopA.id);
    const token = await api.login(user.username, STAFF_PASSWORD);
    expect((await get('/auth/me', { token })).status).toBe(200);

    const res = await put(`/users/${user.id}`, { is_active: false });
    expect(res.status).toBe(200);
    expect(res.body.is_active).toBe(false);

    expect((await get('/auth/me', { token })).status).toBe(401);
    expect((await get('/simcards', { token })).status).toBe(401);
    const blocked = await login(user.username, STAFF_PASSWORD);
    expect(blocked.status).toBe(401);
    expect(blocked.body.error.code).toBe('invalid_credentials');

    expect((await put(`/users/${user.id}`, { is_active: true })).status).toBe(200);
    const again = await login(user.username, STAFF_PASSWORD);
    expect(again.status).toBe(200);
    // The token from before the deactivation stays dead.
    expect((await get('/auth/me', { token })).status).toBe(401);
    expect((await get('/auth/me', { token: again.body.token })).status).toBe(200);
  });

  test('moving staff to another shop revokes their older tokens; the new token sees the new shop', async () => {
    const user = await createStaff(shopA.id);
    const token = await api.login(user.username, STAFF_PASSWORD);
    const res = await put(`/users/${user.id}`, { shop_id: shopB.id });
    expect(res.status).toBe(200);
    expect(res.body.shop_id).toBe(shopB.id);
    expect((await get('/auth/me', { token })).status).toBe(401);
    const fresh = await api.login(user.username, STAFF_PASSWORD);
    const shops = await get('/shops', { token: fresh });
    expect(shops.body.data.map((s: any) => s.id)).toEqual([shopB.id]);
  });

  test('moving staff to a shop that does not exist, or to no shop, is a 400 naming shop_id', async () => {
    const user = await createStaff(shopA.id);
    const token = await api.login(user.username, STAFF_PASSWORD);
    for (const shop_id of [987654, null]) {
      const res = await put(`/users/${user.id}`, { shop_id });
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['shop_id']);
    }
    expect((await get(`/users/${user.id}`)).body.shop_id).toBe(shopA.id);
    expect((await get('/auth/me', { token })).status).toBe(200);
  });

  test('making staff an admin clears their shop and revokes their older tokens', async () => {
    const user = await createStaff(shopA.id);
    const token = await api.login(user.username, STAFF_PASSWORD);
    const res = await put(`/users/${user.id}`, { role: 'admin' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'admin', shop_id: null });
    expect((await api.db('users').where({ id: user.id }).first()).shop_id).toBeNull();
    expect((await get('/auth/me', { token })).status).toBe(401);
    const fresh = await api.login(user.username, STAFF_PASSWORD);
    expect((await get('/users', { token: fresh })).status).toBe(200);
  });

  test('making an admin staff needs a shop, and revokes their older tokens', async () => {
    const admin = await createAdmin();
    const token = await api.login(admin.username, STAFF_PASSWORD);
    const noShop = await put(`/users/${admin.id}`, { role: 'staff' });
    expect(noShop.status).toBe(400);
    expect(fieldsOf(noShop)).toEqual(['shop_id']);
    expect((await get('/auth/me', { token })).status).toBe(200);

    const res = await put(`/users/${admin.id}`, { role: 'staff', shop_id: shopB.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'staff', shop_id: shopB.id });
    expect((await get('/auth/me', { token })).status).toBe(401);
    const fresh = await api.login(admin.username, STAFF_PASSWORD);
    expect((await get('/users', { token: fresh })).status).toBe(403);
  });

  test('a change that touches neither password, role, shop nor activity keeps the user signed in', async () => {
    const user = await createStaff(shopA.id);
    const token = await api.login(user.username, STAFF_PASSWORD);
    expect((await put(`/users/${user.id}`, { full_name: 'Same Person', shop_id: shopA.id, is_active: true })).status).toBe(200);
    expect((await get('/auth/me', { token })).status).toBe(200);
  });
});

describe('admins cannot lock every admin out', () => {
  test('an admin cannot deactivate, demote or delete themselves (409 self_lockout)', async () => {
    const me = await adminId();
    const attempts = [
      () => put(`/users/${me}`, { is_active: false }),
      () => put(`/users/${me}`, { role: 'staff', shop_id: shopA.id }),
      () => del(`/users/${me}`),
    ];
    for (const attempt of attempts) {
      const res = await attempt();
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('self_lockout');
    }
    expect((await get(`/users/${me}`)).body).toMatchObject({ role: 'admin', is_active: true });
    // Their own harmless changes still work.
    expect((await put(`/users/${me}`, { full_name: 'Head Admin' })).status).toBe(200);
  });

  test('another admin can be deactivated, demoted and deleted while an active admin remains', async () => {
    const a = await createAdmin();
    const b = await createAdmin();
    const c = await createAdmin();
    expect((await put(`/users/${a.id}`, { is_active: false })).status).toBe(200);
    expect((await put(`/users/${b.id}`, { role: 'staff', shop_id: shopA.id })).status).toBe(200);
    expect((await del(`/users/${c.id}`)).status).toBe(204);
  });

  test('the last active admin cannot be deactivated, demoted or deleted (409 last_admin)', async () => {
    // Over HTTP the acting admin is itself an active admin, so the rule only bites when the
    // actor lost that status after its request was authenticated: the service checks the
    // database inside its transaction, not the actor's claims.
    const me = await adminId();
    const others = await api.db('users').where({ role: 'admin', is_active: true }).whereNot({ id: me });
    for (const other of others) expect((await put(`/users/${other.id}`, { is_active: false })).status).toBe(200);
    const stale = await createAdmin();
    expect((await put(`/users/${stale.id}`, { is_active: false })).status).toBe(200);
    const actor: Principal = {
      userId: stale.id,
      username: stale.username,
      role: 'admin',
      shopId: null,
      jti: 'stale-request',
      expiresAt: new Date(Date.now() + 60_000),
    };
    const users = new UsersService(api.db, api.config.auth.scryptLog2N);
    const lastAdmin = expect.objectContaining({ status: 409, code: 'last_admin' });
    await expect(users.update(actor, me, { is_active: false })).rejects.toEqual(lastAdmin);
    await expect(users.update(actor, me, { role: 'staff', shop_id: shopA.id })).rejects.toEqual(lastAdmin);
    await expect(users.remove(actor, me)).rejects.toEqual(lastAdmin);
    expect((await get(`/users/${me}`)).body).toMatchObject({ role: 'admin', is_active: true });
    // A deactivated admin does not count, and can be removed without any risk.
    expect((await del(`/users/${stale.id}`)).status).toBe(204);
  });

  test('two admins deactivating, demoting or deleting each other at the same moment leave one of them an active admin', async () => {
    const me = await adminId();
    const moves: [string, (id: number, token: string) => Promise<ApiResponse>][] = [
      ['deactivate', (id, token) => put(`/users/${id}`, { is_active: false }, { token })],
      ['demote', (id, token) => put(`/users/${id}`, { role: 'staff', shop_id: shopA.id }, { token })],
      ['delete', (id, token) => del(`/users/${id}`, { token })],
    ];
    for (const [name, move] of moves) {
      const x = await createAdmin();
      const y = await createAdmin();
      const xToken = await api.login(x.username, STAFF_PASSWORD);
      const yToken = await api.login(y.username, STAFF_PASSWORD);
      // x and y become the only active admins.
      const others = await api.db('users').where({ role: 'admin', is_active: true }).whereNotIn('id', [x.id, y.id]);
      expect(others.map((u: any) => u.id)).toContain(me);
      for (const other of others) expect((await put(`/users/${other.id}`, { is_active: false }, { token: xToken })).status).toBe(200);
      try {
        const results = await Promise.all([move(y.id, xToken), move(x.id, yToken)]);
        const outcomes = results.map((r) => (r.status < 300 ? 'ok' : `${r.status} ${r.body.error.code}`)).sort();
        // The loser is refused by the rule, or its token was already revoked by the winner.
        expect({ name, first: outcomes[1] }).toEqual({ name, first: 'ok' });
        expect(['401 token_revoked', '409 last_admin']).toContain(outcomes[0]);
        expect(await api.db('users').where({ role: 'admin', is_active: true })).toHaveLength(1);
      } finally {
        // Bring the original admin back for the rest of this file, whatever happened above.
        await api.db('users').where({ id: me }).update({ is_active: true });
        api.adminToken = await api.login('admin', ADMIN_PASSWORD);
      }
    }
  });
});

describe('deleting users', () => {
  test('DELETE removes a user (204): then GET is a 404, login and old tokens get 401', async () => {
    const user = await createStaff(shopA.id);
    const token = await api.login(user.username, STAFF_PASSWORD);
    const res = await del(`/users/${user.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await get(`/users/${user.id}`)).status).toBe(404);
    expect((await del(`/users/${user.id}`)).status).toBe(404);
    expect((await login(user.username, STAFF_PASSWORD)).status).toBe(401);
    expect((await get('/auth/me', { token })).status).toBe(401);
    expect(await api.db('users').where({ id: user.id }).first()).toBeUndefined();
  });

  test('a deleted username can be used again', async () => {
    const user = await createStaff(shopA.id);
    expect((await del(`/users/${user.id}`)).status).toBe(204);
    const again = await post('/users', { username: user.username, password: STAFF_PASSWORD, role: 'staff', shop_id: shopB.id });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(user.id);
  });
});

describe('secrets', () => {
  test('no users or login response carries password_hash, password or token_version', async () => {
    const user = await createStaff(shopA.id, { full_name: 'Secret Keeper' });
    const responses = [
      await get('/users?limit=500'),
      await get(`/users/${user.id}`),
      await put(`/users/${user.id}`, { password: 'changed-password-1' }),
      await login(user.username, 'changed-password-1'),
      await get('/auth/me', { token: (await login(user.username, 'changed-password-1')).body.token }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect([...keysOf(res.body)]).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(password_hash|password|token_version)$/)]),
      );
      expect(res.text).not.toMatch(/password_hash|token_version|scrypt\$|changed-password-1/);
    }
  });
});
