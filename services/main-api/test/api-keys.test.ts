import { createHash } from 'node:crypto';
import { ADMIN_PASSWORD, TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

async function createKey(role: 'read' | 'admin', token = api.adminToken): Promise<{ id: number; key: string; prefix: string }> {
  const res = await api.post('/api-keys', { name: `${role} key`, role }, { token });
  if (res.status !== 201) throw new Error(`create key failed: ${res.status} ${res.text}`);
  return res.body;
}

const withKey = (key: string) => ({ token: null, headers: { 'x-api-key': key } });

describe('creating and listing API keys', () => {
  test('the key is answered once, stored only as its SHA-256, and listed by prefix only', async () => {
    const res = await api.post('/api-keys', { name: 'accounting', role: 'read' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'accounting',
      role: 'read',
      revoked_at: null,
      last_used_at: null,
      key: expect.stringMatching(/^smk_[\w-]{43}$/),
    });
    const { id, key, prefix } = res.body;
    expect(key.startsWith(prefix)).toBe(true);

    const row = await api.db('api_keys').where({ id }).first();
    expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key);

    const list = await api.get('/api-keys');
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual(expect.objectContaining({ id, prefix, name: 'accounting' }));
    expect(list.text).not.toContain(key);
    expect(list.text).not.toMatch(/key_hash/);
  });

  test('a bad role or a missing name is a 400 naming the field', async () => {
    const res = await api.post('/api-keys', { name: 'x', role: 'staff' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'role' })]);
    expect((await api.post('/api-keys', { role: 'read' })).body.error.details).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  test('staff get 403 on every API key route', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    expect((await api.post('/api-keys', { name: 'x', role: 'read' }, { token })).status).toBe(403);
    expect((await api.get('/api-keys', { token })).status).toBe(403);
    expect((await api.delete('/api-keys/1', { token })).status).toBe(403);
  });
});

describe('using API keys (X-API-Key)', () => {
  test('a read key sees what an admin sees, but only with GET', async () => {
    const shopA = await api.createShop();
    const shopB = await api.createShop();
    const { key } = await createKey('read');
    const shops = await api.get('/shops?limit=500', withKey(key));
    expect(shops.status).toBe(200);
    expect(shops.body.data.map((s: any) => s.id)).toEqual(expect.arrayContaining([shopA.id, shopB.id]));

    const post = await api.post('/shops', { name: 'By key', code: 'BYKEY' }, withKey(key));
    expect(post.status).toBe(403);
    expect(post.body.error.code).toBe('forbidden');
    expect((await api.put(`/shops/${shopA.id}`, { name: 'Renamed' }, withKey(key))).status).toBe(403);
    expect((await api.delete(`/shops/${shopB.id}`, withKey(key))).status).toBe(403);
    expect((await api.post('/api-keys', { name: 'escalate', role: 'admin' }, withKey(key))).status).toBe(403);
    expect((await api.get(`/shops/${shopA.id}`)).body.name).toBe(shopA.name);
  });

  test('an admin key can make changes, and they are audited as the key', async () => {
    const { id, key } = await createKey('admin');
    const res = await api.post('/shops', { name: 'Made by key', code: `K${id}` }, withKey(key));
    expect(res.status).toBe(201);
    const audit = await api.get(`/audit?entity=shop&entity_id=${res.body.id}`);
    expect(audit.body.data[0]).toMatchObject({ action: 'create', actor: { api_key_id: id, name: 'api-key:admin key' } });
  });

  test('a revoked key is refused from the very next request', async () => {
    const { id, key } = await createKey('read');
    expect((await api.get('/shops', withKey(key))).status).toBe(200);
    const revoke = await api.delete(`/api-keys/${id}`);
    expect(revoke.status).toBe(200);
    expect(revoke.body.revoked_at).toEqual(expect.stringMatching(/Z$/));
    const after = await api.get('/shops', withKey(key));
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('api_key_revoked');
    // Revoking again changes nothing; an unknown id is a 404.
    expect((await api.delete(`/api-keys/${id}`)).body.revoked_at).toBe(revoke.body.revoked_at);
    expect((await api.delete('/api-keys/999999')).status).toBe(404);
  });

  test('an unknown key and a malformed key get the same 401', async () => {
    const unknown = await api.get('/shops', withKey(`smk_${'A'.repeat(43)}`));
    const malformed = await api.get('/shops', withKey('hello'));
    expect(unknown.status).toBe(401);
    expect(malformed.status).toBe(401);
    expect(unknown.body).toEqual(malformed.body);
    expect(unknown.body.error.code).toBe('invalid_api_key');
  });

  test('a key and a bearer token together are refused', async () => {
    const { key } = await createKey('admin');
    const res = await api.get('/shops', { headers: { 'x-api-key': key } });
    expect(res.status).toBe(401);
  });

  test('a key stops working when the admin who created it is deactivated', async () => {
    const other = await api.post('/users', { username: `admin${Date.now()}`, password: ADMIN_PASSWORD, role: 'admin' });
    const token = await api.login(other.body.username, ADMIN_PASSWORD);
    const { key } = await createKey('admin', token);
    expect((await api.get('/shops', withKey(key))).status).toBe(200);
    await api.put(`/users/${other.body.id}`, { is_active: false });
    const res = await api.get('/shops', withKey(key));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('api_key_revoked');
  });

  test.each([
    ['demoted to staff and promoted again', { role: 'staff', shop_id: 'SHOP' }, { role: 'admin', shop_id: null }],
    ['deactivated and reactivated', { is_active: false }, { is_active: true }],
  ])('the keys of an admin %s stay revoked for good (audited), and new ones work', async (_what, away, back) => {
    const shop = await api.createShop();
    const other = await api.post('/users', {
      username: `admin${Date.now()}${Math.random().toString(36).slice(2, 6)}`,
      password: ADMIN_PASSWORD,
      role: 'admin',
    });
    const token = await api.login(other.body.username, ADMIN_PASSWORD);
    const { id, key } = await createKey('admin', token);
    const { key: readKey } = await createKey('read', token);
    expect((await api.get('/shops', withKey(key))).status).toBe(200);
    const fill = (body: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === 'SHOP' ? shop.id : v]));
    expect((await api.put(`/users/${other.body.id}`, fill(away))).status).toBe(200);
    expect((await api.put(`/users/${other.body.id}`, fill(back))).status).toBe(200);
    for (const k of [key, readKey]) {
      const res = await api.get('/shops', withKey(k));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('api_key_revoked');
    }
    const listed = (await api.get('/api-keys?limit=500')).body.data.find((k: any) => k.id === id);
    expect(listed.revoked_at).toEqual(expect.stringMatching(/Z$/));
    const audit = await api.get(`/audit?entity=api_key&entity_id=${id}`);
    expect(audit.body.data.map((e: any) => e.action)).toContain('revoke');
    // The admin, back, makes new keys that work.
    const again = await createKey('read', await api.login(other.body.username, ADMIN_PASSWORD));
    expect((await api.get('/shops', withKey(again.key))).status).toBe(200);
  });

  test('using a key records when it was last used', async () => {
    const { id, key } = await createKey('read');
    await api.get('/shops', withKey(key));
    // The mark is written beside the request (not awaited by it): wait for it briefly.
    for (let i = 0; i < 250 && !(await api.db('api_keys').where({ id }).first()).last_used_at; i++)
      await new Promise((r) => setTimeout(r, 20));
    const listed = (await api.get('/api-keys?limit=500')).body.data.find((k: any) => k.id === id);
    expect(listed.last_used_at).toEqual(expect.stringMatching(/Z$/));
  });

  test('GET /api-keys?active=true leaves revoked keys out', async () => {
    const { id } = await createKey('read');
    await api.delete(`/api-keys/${id}`);
    const active = await api.get('/api-keys?active=true&limit=500');
    expect(active.body.data.map((k: any) => k.id)).not.toContain(id);
    expect(active.body.data.every((k: any) => k.revoked_at === null)).toBe(true);
  });
});
