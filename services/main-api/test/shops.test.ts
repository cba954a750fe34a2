/**
 * Shops: a short unique code (stored upper-case), optional contact fields, lists with search,
 * filters, a sort whitelist and pages; a shop that still holds SIM cards or staff is never deleted.
 */
import { type ApiResponse, TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const SHOP_FIELDS = [
  'address',
  'city',
  'code',
  'created_at',
  'id',
  'is_active',
  'manager_name',
  'name',
  'phone',
  'region',
  'telegram_chat_id',
  'telegram_language',
  'updated_at',
];

function uniqueCode(prefix = 'T'): string {
  return `${prefix}${Math.random().toString(36).slice(2, 9)}`.toUpperCase();
}

function fieldsOf(res: ApiResponse): string[] {
  return (res.body?.error?.details ?? []).map((d: { field?: string }) => d.field);
}

describe('creating shops', () => {
  test('POST /shops answers 201 with the shop: code trimmed and upper-cased, optional fields stored, active by default', async () => {
    const code = uniqueCode('c');
    const res = await api.post('/shops', {
      name: '  Chilonzor Savdo  ',
      code: `  ${code.toLowerCase()} `,
      city: 'Toshkent',
      region: 'Toshkent shahri',
      address: 'Bunyodkor ko‘chasi 12',
      phone: '+998 71 123 45 67',
      manager_name: 'Olim Qodirov',
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(SHOP_FIELDS);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: 'Chilonzor Savdo',
      code,
      city: 'Toshkent',
      region: 'Toshkent shahri',
      address: 'Bunyodkor ko‘chasi 12',
      phone: '+998 71 123 45 67',
      manager_name: 'Olim Qodirov',
      telegram_chat_id: null,
      telegram_language: null,
      is_active: true,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    expect((await api.db('shops').where({ id: res.body.id }).first()).code).toBe(code);
  });

  test('only name and code are required; the optional fields are null', async () => {
    const res = await api.post('/shops', { name: 'Minimal', code: uniqueCode() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ city: null, region: null, address: null, phone: null, manager_name: null, is_active: true });
  });

  test('optional fields given as empty or blank strings are stored as null', async () => {
    const res = await api.post('/shops', {
      name: 'Blanks',
      code: uniqueCode(),
      city: '',
      region: '   ',
      address: '',
      phone: ' ',
      manager_name: '',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ city: null, region: null, address: null, phone: null, manager_name: null });
    const row = await api.db('shops').where({ id: res.body.id }).first();
    expect([row.city, row.region, row.address, row.phone, row.manager_name]).toEqual([null, null, null, null, null]);
  });

  test('is_active:false creates an inactive shop', async () => {
    const res = await api.post('/shops', { name: 'Closed', code: uniqueCode(), is_active: false });
    expect(res.status).toBe(201);
    expect(res.body.is_active).toBe(false);
  });

  test('a missing or blank name is a 400 naming name', async () => {
    for (const body of [
      { code: uniqueCode() },
      { name: '', code: uniqueCode() },
      { name: '   ', code: uniqueCode() },
      { name: 42, code: uniqueCode() },
    ]) {
      const res = await api.post('/shops', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(fieldsOf(res)).toEqual(['name']);
    }
  });

  test('a name longer than 120 characters is a 400 naming name; 120 is accepted', async () => {
    const tooLong = await api.post('/shops', { name: 'x'.repeat(121), code: uniqueCode() });
    expect(tooLong.status).toBe(400);
    expect(fieldsOf(tooLong)).toEqual(['name']);
    expect((await api.post('/shops', { name: 'x'.repeat(120), code: uniqueCode() })).status).toBe(201);
  });

  test('a missing or malformed code is a 400 naming code', async () => {
    for (const code of [undefined, '', 'a', 'has space', 'ÜMLAUT', 'x'.repeat(17), 'semi;colon', 12345]) {
      const res = await api.post('/shops', { name: 'Bad code', code });
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['code']);
    }
    for (const code of ['ab', 'A-1_b', 'x'.repeat(16)]) {
      const res = await api.post('/shops', { name: 'Good code', code });
      expect(res.status).toBe(201);
      expect(res.body.code).toBe(code.toUpperCase());
    }
  });

  test('an unknown field or a non-object body is a 400', async () => {
    const unknown = await api.post('/shops', { name: 'Extra', code: uniqueCode(), owner: 'me' });
    expect(unknown.status).toBe(400);
    expect(fieldsOf(unknown)).toEqual(['owner']);
    expect((await api.post('/shops', [{ name: 'Array', code: uniqueCode() }])).status).toBe(400);
    expect((await api.request('POST', '/shops', { rawBody: '{"name": "Broken",' })).status).toBe(400);
  });

  test('a code already taken, in any letter case, is a 409 duplicate naming code', async () => {
    const code = uniqueCode('D');
    expect((await api.post('/shops', { name: 'First', code })).status).toBe(201);
    for (const again of [code, code.toLowerCase(), ` ${code.toLowerCase()} `]) {
      const res = await api.post('/shops', { name: 'Second', code: again });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('duplicate');
      expect(fieldsOf(res)).toEqual(['code']);
    }
    expect(await api.db('shops').where({ code })).toHaveLength(1);
  });

  test('only admins create shops: staff get 403, no token 401', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    expect((await api.post('/shops', { name: 'Staff shop', code: uniqueCode() }, { token })).status).toBe(403);
    expect((await api.post('/shops', { name: 'Anon shop', code: uniqueCode() }, { token: null })).status).toBe(401);
  });
});

describe('listing shops', () => {
  let tag: string;
  const shops: any[] = [];

  beforeAll(async () => {
    // A tag in every name, so these tests see only their own shops.
    tag = `Lst${Math.random().toString(36).slice(2, 8)}`;
    const specs = [
      { name: `${tag} Bravo Market`, code: uniqueCode('LB'), city: 'Samarqand' },
      { name: `${tag} Alpha Savdo`, code: uniqueCode('LA'), city: 'Buxoro' },
      { name: `${tag} Delta Telecom`, code: uniqueCode('LD'), city: 'Andijon', is_active: false },
      { name: `${tag} Charlie Aloqa`, code: uniqueCode('LC'), city: 'Namangan' },
      { name: `${tag} Echo 100%_off`, code: uniqueCode('LE'), city: 'Xiva', is_active: false },
    ];
    for (const spec of specs) shops.push(await api.createShop(spec));
  });

  const names = (res: ApiResponse) => res.body.data.map((s: any) => s.name.slice(tag.length + 1));

  test('a list is a page of shops with total, limit and offset, sorted by name by default', async () => {
    const res = await api.get(`/shops?q=${tag}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: expect.any(Array), total: 5, limit: 50, offset: 0 });
    expect(names(res)).toEqual(['Alpha Savdo', 'Bravo Market', 'Charlie Aloqa', 'Delta Telecom', 'Echo 100%_off']);
    for (const shop of res.body.data) expect(Object.keys(shop).sort()).toEqual(SHOP_FIELDS);
  });

  test('q matches part of the name, in any letter case', async () => {
    const res = await api.get(`/shops?q=${encodeURIComponent(`${tag.toUpperCase()} charlie`)}`);
    expect(names(res)).toEqual(['Charlie Aloqa']);
    expect((await api.get(`/shops?q=${tag}%20delta%20TELECOM`)).body.total).toBe(1);
  });

  test('q matches part of the code, in any letter case', async () => {
    const bravo = shops[0];
    const res = await api.get(`/shops?q=${bravo.code.slice(1, 7).toLowerCase()}`);
    expect(res.body.data.map((s: any) => s.id)).toEqual([bravo.id]);
  });

  test('q treats % and _ literally', async () => {
    expect(names(await api.get(`/shops?q=${encodeURIComponent('100%_off')}`))).toEqual(['Echo 100%_off']);
    expect((await api.get(`/shops?q=${encodeURIComponent(`${tag} %`)}`)).body.total).toBe(0);
    expect((await api.get(`/shops?q=${encodeURIComponent(`${tag} _lpha`)}`)).body.total).toBe(0);
  });

  test('is_active filters active or inactive shops; any other value is a 400 naming is_active', async () => {
    expect(names(await api.get(`/shops?q=${tag}&is_active=true`))).toEqual(['Alpha Savdo', 'Bravo Market', 'Charlie Aloqa']);
    expect(names(await api.get(`/shops?q=${tag}&is_active=false`))).toEqual(['Delta Telecom', 'Echo 100%_off']);
    const bad = await api.get('/shops?is_active=1');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['is_active']);
  });

  test('sort takes a whitelisted column, - for descending; anything else is a 400 naming sort', async () => {
    expect(names(await api.get(`/shops?q=${tag}&sort=-name`))).toEqual([
      'Echo 100%_off',
      'Delta Telecom',
      'Charlie Aloqa',
      'Bravo Market',
      'Alpha Savdo',
    ]);
    expect(names(await api.get(`/shops?q=${tag}&sort=city`))).toEqual([
      'Delta Telecom', // Andijon
      'Alpha Savdo', // Buxoro
      'Charlie Aloqa', // Namangan
      'Bravo Market', // Samarqand
      'Echo 100%_off', // Xiva
    ]);
    const byCode = (await api.get(`/shops?q=${tag}&sort=code`)).body.data.map((s: any) => s.code);
    expect(byCode).toEqual([...byCode].sort());
    const byId = (await api.get(`/shops?q=${tag}&sort=-id`)).body.data.map((s: any) => s.id);
    expect(byId).toEqual(shops.map((s) => s.id).reverse());
    expect((await api.get(`/shops?sort=created_at`)).status).toBe(200);
    for (const sort of ['phone', 'manager_name', 'name desc', '--name', 'name;drop table shops', '']) {
      const res = await api.get(`/shops?sort=${encodeURIComponent(sort)}`);
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['sort']);
    }
  });

  test('limit and offset page through the list; total counts all matches', async () => {
    const all = (await api.get(`/shops?q=${tag}`)).body.data.map((s: any) => s.id);
    const seen: number[] = [];
    for (const offset of [0, 2, 4]) {
      const page = await api.get(`/shops?q=${tag}&limit=2&offset=${offset}`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset });
      seen.push(...page.body.data.map((s: any) => s.id));
    }
    expect(seen).toEqual(all);
    expect((await api.get(`/shops?q=${tag}&offset=5`)).body).toMatchObject({ data: [], total: 5, offset: 5 });
  });

  test('limit is capped at 500; a limit below 1 or a negative offset is a 400', async () => {
    const capped = await api.get('/shops?limit=100000');
    expect(capped.status).toBe(200);
    expect(capped.body.limit).toBe(500);
    for (const query of ['limit=0', 'limit=-5', 'limit=abc', 'offset=-1', 'limit=2.5']) {
      const res = await api.get(`/shops?${query}`);
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual([query.split('=')[0]]);
    }
  });

  test('an unknown query parameter is a 400 naming it', async () => {
    const res = await api.get('/shops?city=Xiva');
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['city']);
  });

  test('staff see only their own shop in the list', async () => {
    const { token } = await api.createStaff(shops[1].id);
    const res = await api.get('/shops', { token });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect(res.body.data.map((s: any) => s.id)).toEqual([shops[1].id]);
  });
});

describe('one shop', () => {
  test('GET /shops/{id} answers the shop', async () => {
    const shop = await api.createShop({ city: 'Nukus' });
    const res = await api.get(`/shops/${shop.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(shop);
  });

  test('an unknown id is a 404; a malformed id is a 400', async () => {
    const res = await api.get('/shops/999999');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    for (const id of ['abc', '0', '-1', '1.5', '99999999999']) expect((await api.get(`/shops/${id}`)).status).toBe(400);
  });

  test('staff get their own shop, and a 404 for any other shop', async () => {
    const own = await api.createShop();
    const other = await api.createShop();
    const { token } = await api.createStaff(own.id);
    expect((await api.get(`/shops/${own.id}`, { token })).status).toBe(200);
    const res = await api.get(`/shops/${other.id}`, { token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('changing shops', () => {
  test('PUT changes only the fields given', async () => {
    const shop = await api.createShop({ city: 'Qarshi', phone: '+998 75 000 00 00', manager_name: 'Anvar' });
    const res = await api.put(`/shops/${shop.id}`, { name: '  Renamed Shop ', city: 'Termiz' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...shop, name: 'Renamed Shop', city: 'Termiz', updated_at: expect.any(String) });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(shop.updated_at));
    expect((await api.get(`/shops/${shop.id}`)).body).toEqual(res.body);
  });

  test('PUT with an empty string clears an optional field; the code is upper-cased', async () => {
    const shop = await api.createShop({ phone: '+998 66 111 22 33' });
    const code = uniqueCode('n');
    const res = await api.put(`/shops/${shop.id}`, { phone: '', code: code.toLowerCase() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phone: null, code });
  });

  test('PUT is_active:false deactivates a shop, and true reactivates it', async () => {
    const shop = await api.createShop();
    expect((await api.put(`/shops/${shop.id}`, { is_active: false })).body.is_active).toBe(false);
    expect((await api.put(`/shops/${shop.id}`, { is_active: true })).body.is_active).toBe(true);
  });

  test('PUT with an empty body, a blank name, a bad code or an unknown field is a 400', async () => {
    const shop = await api.createShop();
    const empty = await api.put(`/shops/${shop.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('validation_failed');
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'y'.repeat(121) }, 'name'],
      [{ code: 'a b' }, 'code'],
      [{ code: null }, 'code'],
      [{ id: 5 }, 'id'],
    ];
    for (const [body, field] of cases) {
      const res = await api.put(`/shops/${shop.id}`, body);
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toContain(field);
    }
    expect((await api.get(`/shops/${shop.id}`)).body).toEqual(shop);
  });

  test("PUT to another shop's code, in any letter case, is a 409 duplicate naming code; its own code is fine", async () => {
    const first = await api.createShop();
    const second = await api.createShop();
    const res = await api.put(`/shops/${second.id}`, { code: first.code.toLowerCase() });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('duplicate');
    expect(fieldsOf(res)).toEqual(['code']);
    expect((await api.get(`/shops/${second.id}`)).body.code).toBe(second.code);
    expect((await api.put(`/shops/${second.id}`, { code: second.code.toLowerCase(), name: 'Same code' })).status).toBe(200);
  });

  test('PUT on an unknown shop is a 404', async () => {
    const res = await api.put('/shops/999999', { name: 'Nowhere' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  test('only admins change shops: staff get 403, even for their own shop', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    expect((await api.put(`/shops/${shop.id}`, { name: 'Mine now' }, { token })).status).toBe(403);
    expect((await api.delete(`/shops/${shop.id}`, { token })).status).toBe(403);
    expect((await api.get(`/shops/${shop.id}`)).body.name).toBe(shop.name);
  });
});

describe('deleting shops', () => {
  test('DELETE an empty shop answers 204; then it is a 404', async () => {
    const shop = await api.createShop();
    const res = await api.delete(`/shops/${shop.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await api.get(`/shops/${shop.id}`)).status).toBe(404);
    expect((await api.delete(`/shops/${shop.id}`)).status).toBe(404);
    expect(await api.db('shops').where({ id: shop.id }).first()).toBeUndefined();
    // The code is free again.
    expect((await api.post('/shops', { name: 'Reborn', code: shop.code })).status).toBe(201);
  });

  test('DELETE an unknown shop is a 404', async () => {
    expect((await api.delete('/shops/999999')).status).toBe(404);
  });

  test('a shop that still holds SIM cards is not deleted: 409 shop_not_empty with the counts, and nothing is lost', async () => {
    const shop = await api.createShop();
    const sims = [];
    for (let i = 0; i < 3; i++) sims.push(await api.createSimcard({ shop_id: shop.id }));
    expect(sims.every((s) => s.status === 'assigned' && s.shop_id === shop.id)).toBe(true);

    const res = await api.delete(`/shops/${shop.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('shop_not_empty');
    expect(res.body.error.details).toEqual([expect.objectContaining({ simcards: 3, users: 0 })]);

    expect(await api.db('shops').where({ id: shop.id }).first()).toMatchObject({ id: shop.id, code: shop.code });
    const stored = await api.db('simcards').where({ shop_id: shop.id }).orderBy('id');
    expect(stored.map((s: any) => s.iccid)).toEqual(sims.map((s) => s.iccid));
    expect(stored.every((s: any) => s.status === 'assigned')).toBe(true);
    expect((await api.get(`/shops/${shop.id}`)).status).toBe(200);
  });

  test('a shop that still has a staff user is not deleted: 409 shop_not_empty with the counts; the user keeps working', async () => {
    const shop = await api.createShop();
    const { user, token } = await api.createStaff(shop.id);

    const res = await api.delete(`/shops/${shop.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('shop_not_empty');
    expect(res.body.error.details).toEqual([expect.objectContaining({ simcards: 0, users: 1 })]);

    expect(await api.db('shops').where({ id: shop.id }).first()).toBeDefined();
    expect(await api.db('users').where({ id: user.id }).first()).toMatchObject({ shop_id: shop.id });
    expect((await api.get('/auth/me', { token })).status).toBe(200);
  });

  test('the counts cover SIM cards and staff together; once both are gone the shop can be deleted', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    await api.createSimcard({ shop_id: shop.id });
    const { user } = await api.createStaff(shop.id);
    const { user: second } = await api.createStaff(shop.id);

    const res = await api.delete(`/shops/${shop.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([expect.objectContaining({ simcards: 2, users: 2 })]);

    for (const id of [user.id, second.id]) expect((await api.delete(`/users/${id}`)).status).toBe(204);
    const onlySims = await api.delete(`/shops/${shop.id}`);
    expect(onlySims.status).toBe(409);
    expect(onlySims.body.error.details).toEqual([expect.objectContaining({ simcards: 2, users: 0 })]);

    for (const row of await api.db('simcards').where({ shop_id: shop.id })) {
      expect((await api.delete(`/simcards/${row.id}`)).status).toBe(204);
    }
    expect(await api.db('simcards').where({ id: sim.id }).first()).toBeUndefined();
    expect((await api.delete(`/shops/${shop.id}`)).status).toBe(204);
  });

  test('a staff user keeps no hold on a shop after moving to another one', async () => {
    const from = await api.createShop();
    const to = await api.createShop();
    const { user } = await api.createStaff(from.id);
    expect((await api.put(`/users/${user.id}`, { shop_id: to.id })).status).toBe(200);
    expect((await api.delete(`/shops/${from.id}`)).status).toBe(204);
    expect((await api.get(`/users/${user.id}`)).body.shop_id).toBe(to.id);
  });
});
