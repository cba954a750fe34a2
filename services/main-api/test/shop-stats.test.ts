/**
 * GET /shops/{id}/stats: one shop's figures and its sold-per-day series, against the model of
 * the generated data set; staff see their own shop only.
 */
import { dealerDay, dealerDays, dealerToday } from '@simcard/common';
import { makeIccid, TestApi } from './support/harness.js';
import { credit, DAY, expectedShopFigures, generateSalesData, type SalesData, TEST_TIME_ZONE, windowStart } from './support/sales-data.js';

let api: TestApi;
let data: SalesData;
let staffToken: string;
let staffShop: number;
let otherShop: number;

beforeAll(async () => {
  api = await TestApi.start();
  data = await generateSalesData(api.db, { seed: 23, shops: 4, sims: 300 });
  [staffShop, otherShop] = [data.shopIds[0]!, data.shopIds[2]!];
  staffToken = (await api.createStaff(staffShop)).token;
});
afterAll(() => api.close());

/** Sales per day of the dealer's time zone (Tashkent): the bounds come from the calendar, not from UTC days. */
function expectedSeries(shopId: number, days: number) {
  const first = dealerDay(new Date(windowStart(data.now, days)), TEST_TIME_ZONE);
  return dealerDays(first, dealerToday(TEST_TIME_ZONE, new Date(data.now)), TEST_TIME_ZONE).map(({ day, from, to }) => {
    const sold = data.sims.filter(
      (s) => credit(s)?.shopId === shopId && s.soldAt! >= Date.parse(from) && s.soldAt! < Date.parse(to),
    ).length;
    return { day, sold };
  });
}

describe('GET /shops/{id}/stats', () => {
  test("each shop's figures equal those computed from the model", async () => {
    for (const shopId of data.shopIds) {
      const res = await api.get(`/shops/${shopId}/stats`);
      expect(res.status).toBe(200);
      const want = expectedShopFigures(data, shopId);
      expect(res.body).toMatchObject({
        shop_id: shopId,
        assigned: want.assigned,
        in_shop: want.in_shop,
        sold: want.sold,
        last_sale_at: want.last_sale_at,
      });
      expect(res.body.sell_through).toBeCloseTo(want.sell_through!, 1);
      expect(res.body.mean_days_to_sale).toBeCloseTo(want.mean_days_to_sale!, 1);
    }
  });

  test('the series has 30 days by default, every day present (zeros included), ending today', async () => {
    const res = await api.get(`/shops/${otherShop}/stats`);
    expect(res.body.days).toBe(30);
    expect(res.body.sold_per_day).toEqual(expectedSeries(otherShop, 30));
    expect(res.body.sold_per_day.at(-1).day).toBe(dealerToday(TEST_TIME_ZONE));
    expect(res.body.sold_per_day.some((d: { sold: number }) => d.sold === 0)).toBe(true);
    expect(res.body.sold_per_day.some((d: { sold: number }) => d.sold > 0)).toBe(true);
  });

  test.each([1, 7, 61, 366])('days=%i gives that many days, counted from the model', async (days) => {
    const res = await api.get(`/shops/${staffShop}/stats?days=${days}`);
    expect(res.status).toBe(200);
    expect(res.body.sold_per_day).toEqual(expectedSeries(staffShop, days));
  });

  test('over 61 days the series adds up to every sale of the shop (the data spans 60 days)', async () => {
    const res = await api.get(`/shops/${staffShop}/stats?days=66`);
    const sum = res.body.sold_per_day.reduce((n: number, d: { sold: number }) => n + d.sold, 0);
    expect(sum).toBe(res.body.sold);
  });

  test.each(['days=0', 'days=367', 'days=abc', 'days=1.5', 'since=1'])('bad query %s is a 400', async (q) => {
    const res = await api.get(`/shops/${staffShop}/stats?${q}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  test('a shop that does not exist is a 404; a malformed id a 400', async () => {
    expect((await api.get('/shops/999999/stats')).status).toBe(404);
    expect((await api.get('/shops/abc/stats')).status).toBe(400);
  });

  test('staff get their own shop', async () => {
    const res = await api.get(`/shops/${staffShop}/stats`, { token: staffToken });
    expect(res.status).toBe(200);
    expect(res.body.sold).toBe(expectedShopFigures(data, staffShop).sold);
  });

  test('staff of another shop get 404 for its stats, as if it did not exist', async () => {
    const res = await api.get(`/shops/${otherShop}/stats`, { token: staffToken });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  test('a SIM sold at shop A and moved to shop B afterwards stays a sale of A', async () => {
    const a = await api.createShop();
    const b = await api.createShop();
    const iso = (t: number) => new Date(t).toISOString();
    const now = Date.now();
    const [row] = await api
      .db('simcards')
      .insert({
        iccid: makeIccid(),
        shop_id: b.id,
        status: 'sold',
        assigned_at: iso(now - DAY),
        created_at: iso(now - 9 * DAY),
        updated_at: iso(now),
      })
      .returning('id');
    const id = typeof row === 'object' ? row.id : row;
    await api.db('assignment_logs').insert([
      { simcard_id: id, iccid: 'x', from_shop_id: null, to_shop_id: a.id, action: 'assigned', created_at: iso(now - 8 * DAY) },
      { simcard_id: id, iccid: 'x', from_shop_id: a.id, to_shop_id: b.id, action: 'transferred', created_at: iso(now - DAY) },
    ]);
    await api
      .db('simcards')
      .where({ id })
      .update({ sold_at: iso(now - 2 * DAY) });

    const sa = (await api.get(`/shops/${a.id}/stats?days=7`)).body;
    const sb = (await api.get(`/shops/${b.id}/stats?days=7`)).body;
    expect(sa).toMatchObject({ sold: 1, in_shop: 0 });
    expect(sa.mean_days_to_sale).toBeCloseTo(6, 2);
    expect(sa.sold_per_day.find((d: { day: string }) => d.day === dealerDay(new Date(now - 2 * DAY), TEST_TIME_ZONE)).sold).toBe(1);
    expect(sb).toMatchObject({ sold: 0, in_shop: 0, assigned: 0 });
  });

  test('a SIM returned to stock and then sold is credited to no shop', async () => {
    const a = await api.createShop();
    const iso = (t: number) => new Date(t).toISOString();
    const now = Date.now();
    const [row] = await api
      .db('simcards')
      .insert({ iccid: makeIccid(), status: 'in_stock', created_at: iso(now - 9 * DAY), updated_at: iso(now) })
      .returning('id');
    const id = typeof row === 'object' ? row.id : row;
    await api.db('assignment_logs').insert([
      { simcard_id: id, iccid: 'x', from_shop_id: null, to_shop_id: a.id, action: 'assigned', created_at: iso(now - 8 * DAY) },
      { simcard_id: id, iccid: 'x', from_shop_id: a.id, to_shop_id: null, action: 'returned', created_at: iso(now - 3 * DAY) },
    ]);
    await api
      .db('simcards')
      .where({ id })
      .update({ sold_at: iso(now - DAY), status: 'sold' });
    expect((await api.get(`/shops/${a.id}/stats`)).body).toMatchObject({ sold: 0, assigned: 0 });
    const sim = await api.db('simcards').where({ id }).first();
    expect(sim.sold_shop_id).toBeNull();
  });
});

describe('shop_sales_daily (sales per shop and day, kept by triggers)', () => {
  /** The table's rows with sales, and the same figures recomputed here from the SIMs themselves. */
  async function tallies() {
    const rows = (await api.db('shop_sales_daily').where('sold', '>', 0)) as {
      shop_id: number;
      day: string;
      sold: number;
      timed: number;
      days_sum: number;
    }[];
    const table = rows
      .map((r) => ({ key: `${r.shop_id}/${r.day}`, sold: Number(r.sold), timed: Number(r.timed), days: Number(r.days_sum) }))
      .sort((a, b) => a.key.localeCompare(b.key));
    const sims = await api
      .db('simcards')
      .whereNotNull('sold_at')
      .whereNotNull('sold_shop_id')
      .select('sold_shop_id', 'sold_at', 'sold_shop_since');
    const recomputed = new Map<string, { key: string; sold: number; timed: number; days: number }>();
    for (const s of sims) {
      const soldAt = new Date(s.sold_at).getTime();
      const key = `${s.sold_shop_id}/${new Date(soldAt).toISOString().slice(0, 10)}`;
      const e = recomputed.get(key) ?? { key, sold: 0, timed: 0, days: 0 };
      e.sold += 1;
      if (s.sold_shop_since !== null) {
        e.timed += 1;
        e.days += (soldAt - new Date(s.sold_shop_since).getTime()) / DAY;
      }
      recomputed.set(key, e);
    }
    return { table, recomputed: [...recomputed.values()].sort((a, b) => a.key.localeCompare(b.key)) };
  }

  function expectSame({ table, recomputed }: Awaited<ReturnType<typeof tallies>>) {
    expect(table.map(({ key, sold, timed }) => ({ key, sold, timed }))).toEqual(
      recomputed.map(({ key, sold, timed }) => ({ key, sold, timed })),
    );
    table.forEach((t, i) => expect(t.days).toBeCloseTo(recomputed[i]!.days, 4));
  }

  test('after the generated sales it equals the sales recomputed from the SIMs', async () => {
    const t = await tallies();
    expect(t.table.length).toBeGreaterThan(20);
    expectSame(t);
  });

  test('a corrected sale time, an undone sale, a moved credit and a deleted SIM keep it exact', async () => {
    const iso = (t: number) => new Date(t).toISOString();
    const sold = data.sims.filter((s) => s.soldAt !== null && credit(s)?.shopId !== null);
    // A sale time corrected by three days (another day's row, perhaps another shop's credit).
    await api
      .db('simcards')
      .where({ id: sold[0]!.id })
      .update({ sold_at: iso(sold[0]!.soldAt! - 3 * DAY) });
    // A sale undone (a data fix).
    await api.db('simcards').where({ id: sold[1]!.id }).update({ sold_at: null });
    // The credit changed by hand.
    await api.db('simcards').where({ id: sold[2]!.id }).update({ sold_shop_id: data.shopIds[3]!, sold_shop_since: null });
    // A sold SIM deleted (one without other references).
    const shop = await api.createShop();
    const [row] = await api
      .db('simcards')
      .insert({
        iccid: makeIccid(),
        shop_id: shop.id,
        status: 'sold',
        sold_at: iso(Date.now() - DAY),
        assigned_at: iso(Date.now() - 5 * DAY),
        created_at: iso(Date.now()),
        updated_at: iso(Date.now()),
      })
      .returning('id');
    expect((await api.get(`/shops/${shop.id}/stats`)).body.sold).toBe(1);
    await api
      .db('simcards')
      .where({ id: typeof row === 'object' ? row.id : row })
      .delete();
    expect((await api.get(`/shops/${shop.id}/stats`)).body).toMatchObject({ sold: 0, mean_days_to_sale: null, last_sale_at: null });
    expectSame(await tallies());
  });
});
