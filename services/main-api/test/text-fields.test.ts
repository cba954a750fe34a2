/**
 * Names and text fields (issue 11): bytes that are not UTF-8 are a 400, never stored as U+FFFD;
 * text is NFC-normalised; control and bidi-override characters are refused; a name must hold
 * visible characters.
 */
import { TestApi } from './support/harness.js';

describe('names and text fields', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(() => api.close());

  const code = () => `T${Math.random().toString(36).slice(2, 8)}`.toUpperCase();

  test('a JSON body that is not UTF-8 is a 400 naming it, and nothing is stored', async () => {
    const c = code();
    // "Caf" + 0xE9 (Latin-1 é): not UTF-8.
    const body = Buffer.concat([Buffer.from(`{"name":"Caf`), Buffer.from([0xe9]), Buffer.from(`","code":"${c}"}`)]);
    const res = await api.request('POST', '/shops', { rawBody: body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_utf8');
    expect(await api.db('shops').where({ code: c }).first()).toBeUndefined();
    // A truncated multi-byte sequence too.
    const cut = Buffer.concat([Buffer.from('{"name":"'), Buffer.from('Тошкент').subarray(0, 3), Buffer.from(`","code":"${code()}"}`)]);
    expect((await api.request('POST', '/shops', { rawBody: cut })).body.error.code).toBe('invalid_utf8');
  });

  test('UTF-8 bodies work as before: Cyrillic, Uzbek Latin, escapes, a byte order mark', async () => {
    const a = await api.request('POST', '/shops', {
      rawBody: Buffer.from(JSON.stringify({ name: 'Тошкент — Chilonzor oʻ', code: code() })),
    });
    expect(a.status).toBe(201);
    expect(a.body.name).toBe('Тошкент — Chilonzor oʻ');
    const b = await api.request('POST', '/shops', { rawBody: `{"name":"\\u0416 shop","code":"${code()}"}` });
    expect(b.status).toBe(201);
    expect(b.body.name).toBe('Ж shop');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ name: 'Bom dükon', code: code() }))]);
    const c = await api.request('POST', '/shops', { rawBody: bom });
    expect(c.status).toBe(201);
    expect(c.body.name).toBe('Bom dükon');
  });

  test('text is stored NFC-normalised', async () => {
    const res = await api.post('/shops', { name: 'Cafe\u0301', code: code(), city: 'Farg\u0306ona' });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Café');
    expect(res.body.name).toHaveLength(4);
    expect(res.body.city).toBe('Farg\u0306ona'.normalize('NFC'));
  });

  test.each([
    ['only zero-width characters', '\u200b\u200c\u200d\u2060\ufeff'],
    ['a right-to-left override', 'Shop \u202egnp.exe'],
    ['a bidi isolate', 'Shop \u2067x\u2069'],
    ['a control character', 'Shop\u0007'],
    ['a line break', 'Shop\nTwo'],
    ['only spaces', '   '],
  ])('a shop name with %s is refused', async (_what, name) => {
    const res = await api.post('/shops', { name, code: code() });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('name');
  });

  test('renaming follows the same rule', async () => {
    const shop = await api.createShop();
    expect((await api.put(`/shops/${shop.id}`, { name: '\u200b\u200b' })).status).toBe(400);
    expect((await api.put(`/shops/${shop.id}`, { name: 'Ok \u202e' })).status).toBe(400);
  });

  test('free text keeps line breaks but refuses other control and bidi characters', async () => {
    const sim = await api.createSimcard();
    const ok = await api.put(`/simcards/${sim.id}`, { notes: 'line one\nline two\tend' });
    expect(ok.status).toBe(200);
    expect(ok.body.notes).toBe('line one\nline two\tend');
    expect((await api.put(`/simcards/${sim.id}`, { notes: 'bell\u0007' })).status).toBe(400);
    expect((await api.put(`/simcards/${sim.id}`, { notes: 'x\u202ey' })).status).toBe(400);
    expect((await api.put(`/simcards/${sim.id}`, { notes: 'lone \ud800 surrogate' })).status).toBe(400);
  });

  test('a user full name and an API key name follow the rule', async () => {
    const user = await api.post('/users', {
      username: `u${code().toLowerCase()}`,
      password: 'password-123',
      role: 'admin',
      full_name: '\u200b',
    });
    expect(user.status).toBe(400);
    expect((await api.post('/api-keys', { name: '\u202eevil', role: 'read' })).status).toBe(400);
    expect((await api.post('/api-keys', { name: 'Buxgalteriya', role: 'read' })).status).toBe(201);
  });
});
