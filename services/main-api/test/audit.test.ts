import { STAFF_PASSWORD, TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const entriesFor = async (entity: string, id: number) => (await api.get(`/audit?entity=${entity}&entity_id=${id}`)).body.data;

describe('audit log of admin changes', () => {
  test('creating, changing and deleting a shop each leave an entry with before and after, newest first', async () => {
    const shop = await api.createShop({ city: 'Tashkent' });
    const put = await api.put(`/shops/${shop.id}`, { city: 'Samarkand' }, { headers: { 'x-request-id': 'req-audit-1' } });
    expect(put.status).toBe(200);
    expect((await api.delete(`/shops/${shop.id}`)).status).toBe(204);

    const entries = await entriesFor('shop', shop.id);
    expect(entries.map((e: any) => e.action)).toEqual(['delete', 'update', 'create']);
    const [deleted, updated, created] = entries;
    expect(created).toMatchObject({
      entity: 'shop',
      entity_id: String(shop.id),
      before: null,
      after: expect.objectContaining({ city: 'Tashkent' }),
    });
    expect(updated).toMatchObject({
      before: expect.objectContaining({ city: 'Tashkent' }),
      after: expect.objectContaining({ city: 'Samarkand' }),
      request_id: 'req-audit-1',
      actor: { user_id: expect.any(Number), api_key_id: null, name: 'admin' },
    });
    expect(deleted).toMatchObject({ before: expect.objectContaining({ city: 'Samarkand' }), after: null });
    expect(Date.parse(updated.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  test('user changes are logged without the password hash; a password change is marked', async () => {
    const shop = await api.createShop();
    const { user } = await api.createStaff(shop.id);
    await api.put(`/users/${user.id}`, { password: 'a-new-password-1', full_name: 'Dilnoza' });
    const res = await api.get(`/audit?entity=user&entity_id=${user.id}`);
    expect(res.body.data.map((e: any) => e.action)).toEqual(['update', 'create']);
    expect(res.body.data[0].after).toMatchObject({ full_name: 'Dilnoza', password_changed: true });
    expect(res.text).not.toMatch(/password_hash|scrypt|token_version|a-new-password-1|staff-password-1/);
  });

  test('SIM card changes are logged, including a staff member editing notes', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    const { token, user } = await api.createStaff(shop.id);
    expect((await api.put(`/simcards/${sim.id}`, { notes: 'on the shelf' }, { token })).status).toBe(200);
    const [update, create] = await entriesFor('simcard', sim.id);
    expect(create).toMatchObject({ action: 'create', after: expect.objectContaining({ iccid: sim.iccid }) });
    expect(update).toMatchObject({
      action: 'update',
      actor: { user_id: user.id, name: user.username },
      after: expect.objectContaining({ notes: 'on the shelf' }),
    });
  });

  test('a refused change leaves no entry', async () => {
    const shop = await api.createShop();
    const dup = await api.post('/shops', { name: 'Dup', code: shop.code });
    expect(dup.status).toBe(409);
    await api.createSimcard({ shop_id: shop.id }); // a shop holding SIMs cannot be deleted
    expect((await api.delete(`/shops/${shop.id}`)).status).toBe(409);
    expect((await entriesFor('shop', shop.id)).map((e: any) => e.action)).toEqual(['create']);
  });

  test('filters by actor and by time window, and pages', async () => {
    const other = await api.post('/users', { username: `auditor${Date.now()}`, password: STAFF_PASSWORD, role: 'admin' });
    const token = await api.login(other.body.username, STAFF_PASSWORD);
    const from = new Date().toISOString();
    for (let i = 0; i < 3; i++) await api.post('/shops', { name: `By other ${i}`, code: `OTH${Date.now() % 100000}${i}` }, { token });

    const byActor = await api.get(`/audit?actor_user_id=${other.body.id}&limit=2`);
    expect(byActor.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(byActor.body.data).toHaveLength(2);
    expect(byActor.body.data.every((e: any) => e.actor.user_id === other.body.id)).toBe(true);
    const page2 = await api.get(`/audit?actor_user_id=${other.body.id}&limit=2&offset=2`);
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.data[0].id).toBeLessThan(byActor.body.data[1].id);

    const inWindow = await api.get(`/audit?from=${encodeURIComponent(from)}&entity=shop`);
    expect(inWindow.body.data.length).toBeGreaterThanOrEqual(3);
    expect(inWindow.body.data.every((e: any) => e.at >= from)).toBe(true);
    const before = await api.get(`/audit?to=${encodeURIComponent(from)}&actor_user_id=${other.body.id}`);
    expect(before.body.total).toBe(0);
  });

  test('bad filters are 400s naming the field', async () => {
    expect((await api.get('/audit?from=yesterday')).body.error.details).toEqual([expect.objectContaining({ field: 'from' })]);
    expect((await api.get('/audit?actor_user_id=abc')).body.error.details).toEqual([expect.objectContaining({ field: 'actor_user_id' })]);
    expect((await api.get('/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z')).status).toBe(400);
  });

  test('staff get 403', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    expect((await api.get('/audit', { token })).status).toBe(403);
  });
});
