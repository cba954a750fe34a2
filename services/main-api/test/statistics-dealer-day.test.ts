/**
 * "Today" and the per-day bars are days in the dealer's time zone (TIME_ZONE), on both
 * databases (issue 12), and sales are dated by sold_at (the activation date).
 * Tashkent is UTC+5 all year: a sale at 19:01 UTC is on the next Tashkent day. Berlin has DST:
 * its 23- and 25-hour days are counted exactly.
 */
import { addDays, dealerDayBounds, dealerToday } from '@simcard/common';
import { TestApi } from './support/harness.js';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function sellAt(api: TestApi, shopId: number, soldAt: string): Promise<void> {
  const sim = await api.createSimcard({ shop_id: shopId });
  await api.db('simcards').where({ id: sim.id }).update({ status: 'sold', sold_at: soldAt, activated_at: soldAt });
}

describe('TIME_ZONE=Asia/Tashkent (the default)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(() => api.close());

  test("a sale just after the dealer's midnight is today's, one just before is yesterday's", async () => {
    const shop = await api.createShop();
    const today = dealerToday('Asia/Tashkent');
    const midnight = Date.parse(dealerDayBounds(today, 'Asia/Tashkent').from);
    expect(new Date(midnight).getUTCHours()).toBe(19); // the previous UTC day, 19:00
    await sellAt(api, shop.id, iso(midnight + MIN));
    await sellAt(api, shop.id, iso(midnight - MIN));
    const res = await api.get('/statistics?days=2');
    expect(res.body.sold.today).toBe(1);
    expect(res.body.sold.last_7_days).toBe(2);
    expect(res.body.sold_per_day).toEqual([
      { day: addDays(today, -1), sold: 1 },
      { day: today, sold: 1 },
    ]);
    const shopStats = await api.get(`/shops/${shop.id}/stats?days=2`);
    expect(shopStats.body.sold_per_day).toEqual(res.body.sold_per_day);
  });
});

describe('TIME_ZONE=Europe/Berlin (DST)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start({ TIME_ZONE: 'Europe/Berlin' });
  });
  afterAll(() => api.close());

  test('the days of the clock changes hold their sales exactly, in a series across both', async () => {
    const shop = await api.createShop();
    // 2026-10-25 (25 hours): 00:30 CEST (22:30 UTC the day before) and 23:30 CET (22:30 UTC).
    await sellAt(api, shop.id, '2026-10-24T22:30:00.000Z');
    await sellAt(api, shop.id, '2026-10-25T22:30:00.000Z');
    // 23:30 UTC on 10-25 is 00:30 on the 26th in Berlin.
    await sellAt(api, shop.id, '2026-10-25T23:30:00.000Z');
    // 2026-03-29 (23 hours): 00:30 CET (23:30 UTC the day before).
    await sellAt(api, shop.id, '2026-03-28T23:30:00.000Z');
    // In the summer, 22:30 UTC is 00:30 the next day.
    await sellAt(api, shop.id, '2026-07-10T22:30:00.000Z');
    const res = await api.get('/statistics?days=366');
    expect(res.status).toBe(200);
    const byDay = Object.fromEntries((res.body.sold_per_day as { day: string; sold: number }[]).map((d) => [d.day, d.sold]));
    expect(res.body.sold_per_day).toHaveLength(366);
    expect([byDay['2026-10-24'], byDay['2026-10-25'], byDay['2026-10-26']]).toEqual([0, 2, 1]);
    expect([byDay['2026-03-28'], byDay['2026-03-29']]).toEqual([0, 1]);
    expect([byDay['2026-07-10'], byDay['2026-07-11']]).toEqual([0, 1]);
  });
});
