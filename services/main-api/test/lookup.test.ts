/** POST /simcards/lookup: which ICCIDs we hold (admins and read API keys), and the chase table. */
import { makeIccid, TestApi } from './support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start();
});

afterAll(async () => {
  await api?.close();
});

const withKey = (key: string) => ({ token: null, headers: { 'x-api-key': key } });

describe('POST /simcards/lookup', () => {
  test('answers which ICCIDs we hold with status and shop, which we do not, and which are not ICCIDs', async () => {
    const shop = await api.createShop({ name: 'Chilonzor' });
    const atShop = await api.createSimcard({ shop_id: shop.id });
    const inStock = await api.createSimcard();
    const unknown = makeIccid();
    const spaced = inStock.iccid.replace(/(\d{4})/g, '$1 ');
    const res = await api.post('/simcards/lookup', { iccids: [atShop.iccid, spaced, unknown, '8999', atShop.iccid] });
    expect(res.status).toBe(200);
    expect(res.body.held).toEqual(
      [
        { iccid: atShop.iccid, simcard_id: atShop.id, status: 'assigned', shop_id: shop.id, shop_code: shop.code, shop_name: 'Chilonzor' },
        { iccid: inStock.iccid, simcard_id: inStock.id, status: 'in_stock', shop_id: null, shop_code: null, shop_name: null },
      ].sort((a, b) => (a.iccid < b.iccid ? -1 : 1)),
    );
    expect(res.body.not_held).toEqual([unknown]);
    expect(res.body.invalid).toEqual([{ input: '8999', reason: expect.any(String) }]);
  });

  test('10,000 ICCIDs in one request; more is a 400', async () => {
    const many = Array.from({ length: 10_000 }, () => makeIccid());
    const res = await api.post('/simcards/lookup', { iccids: many });
    expect(res.status).toBe(200);
    expect(res.body.not_held).toHaveLength(10_000);
    const tooMany = await api.post('/simcards/lookup', { iccids: [...many, makeIccid()] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].field).toBe('iccids');
  });

  test('a read API key may ask (its one POST) but still may not change anything; staff may not ask', async () => {
    const key = (await api.post('/api-keys', { name: 'integrator', role: 'read' })).body.key as string;
    const sim = await api.createSimcard();
    const res = await api.post('/simcards/lookup', { iccids: [sim.iccid] }, withKey(key));
    expect(res.status).toBe(200);
    expect(res.body.held[0].simcard_id).toBe(sim.id);
    expect((await api.post('/simcards', { iccid: makeIccid() }, withKey(key))).status).toBe(403);
    const shop = await api.createShop();
    const staff = await api.createStaff(shop.id);
    expect((await api.post('/simcards/lookup', { iccids: [sim.iccid] }, { token: staff.token })).status).toBe(403);
  });
});

describe('GET /chase and anomaly reviews', () => {
  test('per shop: unsold SIMs by age since arrival, sell-through, money owed; sortable', async () => {
    const shop = await api.createShop({ name: 'Slow shop' });
    const day = 86_400_000;
    const ages = [1, 5, 10, 40, 70, 90];
    for (const age of ages) {
      const sim = await api.createSimcard({ shop_id: shop.id });
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ assigned_at: new Date(Date.now() - age * day).toISOString() });
    }
    const sold = await api.createSimcard({ shop_id: shop.id });
    await api.db('simcards').where({ id: sold.id }).update({ sold_at: new Date().toISOString(), status: 'sold' });
    const res = await api.get('/chase?sort=-age_61_plus&limit=500');
    expect(res.status).toBe(200);
    const row = res.body.data.find((r: { shop_id: number }) => r.shop_id === shop.id);
    expect(row).toMatchObject({ in_shop: 6, sold: 1, age_0_7: 2, age_8_30: 1, age_31_60: 1, age_61_plus: 2, owed: 0 });
    expect(row.sell_through).toBeCloseTo((100 * 1) / 7, 1);
    expect(res.body.data[0].shop_id).toBe(shop.id);
    const asc = await api.get('/chase?sort=age_61_plus&limit=500');
    expect(asc.body.data.at(-1).shop_id).toBe(shop.id);
    expect((await api.get('/chase?sort=bogus')).status).toBe(400);
  });

  test('an anomalous SIM is marked reviewed with a note (audited), listed, and unmarked', async () => {
    const sim = await api.createSimcard();
    const put = await api.put(`/anomalies/unknown_to_provider/${sim.id}/review`, { note: 'operator confirmed: a test SIM' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      kind: 'unknown_to_provider',
      simcard_id: sim.id,
      note: 'operator confirmed: a test SIM',
      reviewed_by: 'admin',
    });
    const listed = await api.get(`/anomaly-reviews?kind=unknown_to_provider&simcard_ids=${sim.id},999999`);
    expect(listed.body.data).toHaveLength(1);
    expect((await api.get('/audit?entity=anomaly_review')).body.data[0]).toMatchObject({ action: 'create' });
    expect((await api.put(`/anomalies/unknown_to_provider/${sim.id}/review`, { note: '' })).status).toBe(400);
    expect((await api.put(`/anomalies/unknown_to_provider/999999/review`, { note: 'x' })).status).toBe(404);
    expect((await api.delete(`/anomalies/unknown_to_provider/${sim.id}/review`)).status).toBe(204);
    expect((await api.get(`/anomaly-reviews?kind=unknown_to_provider&simcard_ids=${sim.id}`)).body.data).toHaveLength(0);
  });
});

describe("a shop's own Telegram chat", () => {
  test('admins set the chat and the digest language; a malformed chat id is a 400', async () => {
    const shop = await api.createShop();
    const res = await api.put(`/shops/${shop.id}`, { telegram_chat_id: '-100777', telegram_language: 'ru' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ telegram_chat_id: '-100777', telegram_language: 'ru' });
    const bad = await api.put(`/shops/${shop.id}`, { telegram_chat_id: 'not a chat' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('telegram_chat_id');
    expect((await api.put(`/shops/${shop.id}`, { telegram_chat_id: null })).body.telegram_chat_id).toBeNull();
  });
});
