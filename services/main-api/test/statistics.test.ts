/**
 * GET /statistics and GET /statistics/shops against figures computed in the test, from the
 * generated data set's model, never from the API's own SQL.
 */
import { addDays, dealerDay, dealerDayBounds, dealerDays, dealerToday } from '@simcard/common';
import { makeIccid, TestApi } from './support/harness.js';
import { credit, DAY, expectedShopFigures, generateSalesData, type SalesData, TEST_TIME_ZONE, windowStart } from './support/sales-data.js';

let api: TestApi;
let data: SalesData;
let staffToken: string;
let staffShop: number;

beforeAll(async () => {
  api = await TestApi.start({ AUTO_CHECK_INTERVAL_MIN: '30' });
  data = await generateSalesData(api.db, { seed: 11, shops: 5, sims: 400 });
  staffShop = data.shopIds[1]!;
  await api.createShop();
  staffToken = (await api.createStaff(staffShop)).token;
});
afterAll(() => api.close());

const STATUSES = ['in_stock', 'assigned', 'sold', 'blocked'] as const;

function expectedOverview(shopId: number | null) {
  const mine = data.sims.filter((s) => shopId === null || s.shopId === shopId);
  const byStatus = Object.fromEntries(STATUSES.map((st) => [st, mine.filter((s) => s.status === st).length]));
  const operators = [...new Set(mine.map((s) => s.operator))];
  const byOperator = operators.map((op) => ({ operator: op, total: mine.filter((s) => s.operator === op).length }));
  const credited = data.sims.filter((s) => s.soldAt !== null && (shopId === null || credit(s)?.shopId === shopId));
  const soldSince = (days: number) => credited.filter((s) => s.soldAt! >= windowStart(data.now, days)).length;
  // This week from the dealer's Monday, this month from the 1st.
  const todayDay = dealerToday(TEST_TIME_ZONE, new Date(data.now));
  const monday = addDays(todayDay, -((new Date(`${todayDay}T12:00:00Z`).getUTCDay() + 6) % 7));
  const soldFrom = (day: string) => credited.filter((s) => s.soldAt! >= Date.parse(dealerDayBounds(day, TEST_TIME_ZONE).from)).length;
  // Every call today counted, changed or not (not the log rows: most checks change nothing and leave none).
  const today = data.checks.filter((c) => c.at >= windowStart(data.now, 1) && (shopId === null || c.shopId === shopId));
  const calls = (list: typeof today) => ({
    checked: list.length,
    changed: list.filter((c) => c.changed).length,
    failed: list.filter((c) => !c.answered).length,
  });
  const all = calls(today);
  return {
    byStatus,
    byOperator,
    total: mine.length,
    sold: {
      today: soldSince(1),
      last_7_days: soldSince(7),
      last_30_days: soldSince(30),
      this_week: soldFrom(monday),
      this_month: soldFrom(`${todayDay.slice(0, 7)}-01`),
    },
    checks: {
      checked_today: all.checked,
      changed_today: all.changed,
      failed_today: all.failed,
      runs_today: calls(today.filter((c) => c.source === 'auto')),
      manual_today: calls(today.filter((c) => c.source === 'manual')),
      today: all.checked,
      errors_today: all.failed,
    },
  };
}

function sortedByOperator(list: { operator: string | null; total: number }[]) {
  return [...list].map(({ operator, total }) => ({ operator, total })).sort((a, b) => String(a.operator).localeCompare(String(b.operator)));
}

describe('GET /statistics', () => {
  test('the admin figures equal those computed from the generated data set', async () => {
    const res = await api.get('/statistics');
    expect(res.status).toBe(200);
    const want = expectedOverview(null);
    expect(res.body.scope).toEqual({ shop_id: null });
    expect(res.body.simcards.by_status).toEqual(want.byStatus);
    expect(res.body.simcards.total).toBe(want.total);
    expect(sortedByOperator(res.body.simcards.by_operator)).toEqual(sortedByOperator(want.byOperator));
    expect(res.body.sold).toEqual(want.sold);
    expect(res.body.checks).toEqual(want.checks);
    // The data set is not trivial: every figure is exercised.
    expect(want.sold.last_30_days).toBeGreaterThan(want.sold.last_7_days);
    expect(want.checks.errors_today).toBeGreaterThan(0);
    // More SIMs checked than log rows written: unchanged checks count too.
    expect(want.checks.checked_today).toBeGreaterThan(data.logs.filter((l) => l.at >= windowStart(data.now, 1)).length);
    expect(want.checks.manual_today.checked).toBeGreaterThan(0);
  });

  test('an operator row splits its total by status', async () => {
    const res = await api.get('/statistics');
    for (const op of res.body.simcards.by_operator) {
      const sims = data.sims.filter((s) => s.operator === op.operator);
      expect(op.by_status).toEqual(Object.fromEntries(STATUSES.map((st) => [st, sims.filter((s) => s.status === st).length])));
    }
  });

  test("staff get their own shop's figures only, sales credited to their shop", async () => {
    const res = await api.get('/statistics', { token: staffToken });
    expect(res.status).toBe(200);
    const want = expectedOverview(staffShop);
    expect(res.body.scope).toEqual({ shop_id: staffShop });
    expect(res.body.simcards.by_status).toEqual(want.byStatus);
    expect(res.body.simcards.total).toBe(want.total);
    expect(res.body.sold).toEqual(want.sold);
    expect(res.body.checks).toEqual(want.checks);
    expect(want.total).toBeLessThan(data.sims.length);
  });

  test('without days there is no series; with days=N, N days of sales, every day present, counted from the model', async () => {
    expect((await api.get('/statistics')).body.sold_per_day).toBeUndefined();
    for (const [token, shopId] of [
      [api.adminToken, null],
      [staffToken, staffShop],
    ] as const) {
      const res = await api.get('/statistics?days=61', { token });
      expect(res.status).toBe(200);
      // Days in the dealer's time zone (Tashkent, UTC+5): a sale at 20:00 UTC is on the next day's bar.
      const first = dealerDay(new Date(windowStart(data.now, 61)), TEST_TIME_ZONE);
      const want = dealerDays(first, dealerToday(TEST_TIME_ZONE, new Date(data.now)), TEST_TIME_ZONE).map(({ day, from, to }) => {
        const sold = data.sims.filter(
          (s) =>
            s.soldAt !== null &&
            s.soldAt >= Date.parse(from) &&
            s.soldAt < Date.parse(to) &&
            (shopId === null || credit(s)?.shopId === shopId),
        ).length;
        return { day, sold };
      });
      expect(want).toHaveLength(61);
      expect(res.body.sold_per_day).toEqual(want);
    }
  });

  test.each(['shop_id=1', 'days=0', 'days=367', 'days=x'])('bad query %s is a 400', async (q) => {
    const res = await api.get(`/statistics?${q}`);
    expect(res.status).toBe(400);
  });

  test('without a token the answer is 401', async () => {
    expect((await api.get('/statistics', { token: null })).status).toBe(401);
  });
});

describe('GET /statistics: the last check run and data_stale (AUTO_CHECK_INTERVAL_MIN=30)', () => {
  const iso = (t: number) => new Date(t).toISOString();
  async function insertRun(status: string, startedAgoMin: number, finishedAgoMin: number | null) {
    const now = Date.now();
    await api.db('check_runs').insert({
      status,
      trigger: 'scheduled',
      total: 10,
      done: 10,
      changed: 2,
      errors: 1,
      started_at: iso(now - startedAgoMin * 60_000),
      finished_at: finishedAgoMin === null ? null : iso(now - finishedAgoMin * 60_000),
      updated_at: iso(now),
    });
  }

  test('no completed run at all: the data is stale and there is no last run', async () => {
    const res = await api.get('/statistics');
    expect(res.body.last_check_run).toBeNull();
    expect(res.body.data_stale).toBe(true);
  });

  test('a run completed 61 minutes ago is older than twice the interval: stale', async () => {
    await insertRun('completed', 65, 61);
    const res = await api.get('/statistics');
    expect(res.body.data_stale).toBe(true);
    expect(res.body.last_check_run).toMatchObject({ status: 'completed', changed: 2, errors: 1 });
  });

  test('a run completed 5 minutes ago makes the data fresh; a later failed run is shown but does not count as a check', async () => {
    await insertRun('completed', 10, 5);
    await insertRun('failed', 3, 2);
    const res = await api.get('/statistics');
    expect(res.body.data_stale).toBe(false);
    expect(res.body.last_check_run.status).toBe('failed');
    expect(Date.parse(res.body.last_completed_check_at)).toBeGreaterThan(Date.now() - 6 * 60_000);
  });

  test('with scheduled checks off (interval 0) data_stale is null', async () => {
    const off = await TestApi.start();
    try {
      const res = await off.get('/statistics');
      expect(res.status).toBe(200);
      expect(res.body.data_stale).toBeNull();
    } finally {
      await off.close();
    }
  });
});

describe('GET /statistics/shops', () => {
  async function allRows(query = '') {
    const res = await api.get(`/statistics/shops?limit=500${query}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  test("every shop's figures equal those computed from the model", async () => {
    const body = await allRows();
    // The generated shops plus the one created for the staff user.
    expect(body.total).toBe(data.shopIds.length + 1);
    for (const shopId of data.shopIds) {
      const row = body.data.find((r: { shop_id: number }) => r.shop_id === shopId);
      const want = expectedShopFigures(data, shopId);
      expect(row).toMatchObject({
        shop_id: shopId,
        assigned: want.assigned,
        in_shop: want.in_shop,
        sold: want.sold,
        last_sale_at: want.last_sale_at,
      });
      expect(row.sell_through).toBeCloseTo(want.sell_through!, 1);
      expect(row.mean_days_to_sale).toBeCloseTo(want.mean_days_to_sale!, 1);
    }
  });

  test('a shop with nothing has zeros and empty values, not errors', async () => {
    const body = await allRows();
    const empty = body.data.find((r: { shop_id: number }) => !data.shopIds.includes(r.shop_id));
    expect(empty).toMatchObject({ assigned: 0, in_shop: 0, sold: 0, sell_through: null, mean_days_to_sale: null, last_sale_at: null });
  });

  test('a sale is credited to the shop that held the SIM when it was sold, not to where it sits now', async () => {
    const moved = data.sims.filter((s) => s.soldAt !== null && s.shopId !== null && credit(s)!.shopId !== s.shopId);
    expect(moved.length).toBeGreaterThan(0);
    const body = await allRows();
    const soldBy = (shopId: number) => body.data.find((r: { shop_id: number }) => r.shop_id === shopId).sold;
    const byCurrentShop = (shopId: number) => data.sims.filter((s) => s.soldAt !== null && s.shopId === shopId).length;
    for (const shopId of data.shopIds) expect(soldBy(shopId)).toBe(expectedShopFigures(data, shopId).sold);
    // Counting by the current shop would give other figures: the rule is what makes them right.
    expect(data.shopIds.some((shopId) => soldBy(shopId) !== byCurrentShop(shopId))).toBe(true);
  });

  test.each(['sold', '-sold', 'sell_through', '-mean_days_to_sale', 'name', '-last_sale_at', 'in_shop'])(
    'sort=%s orders the rows, empty values last',
    async (sort) => {
      const body = await allRows(`&sort=${sort}`);
      const column = sort.replace(/^-/, '');
      const desc = sort.startsWith('-');
      const values = body.data.map((r: Record<string, unknown>) => r[column]);
      const present = values.filter((v: unknown) => v !== null);
      expect(values.slice(0, present.length)).toEqual(present);
      const sorted = [...present].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(present).toEqual(desc ? sorted.reverse() : sorted);
    },
  );

  test('limit and offset page through the rows; total counts all shops', async () => {
    const all = (await allRows('&sort=code')).data.map((r: { shop_id: number }) => r.shop_id);
    const page = await api.get('/statistics/shops?sort=code&limit=2&offset=2');
    expect(page.body).toMatchObject({ total: all.length, limit: 2, offset: 2 });
    expect(page.body.data.map((r: { shop_id: number }) => r.shop_id)).toEqual(all.slice(2, 4));
  });

  test.each(['sort=password_hash', 'sort=sold;drop', 'limit=0', 'offset=-1', 'limit=abc', 'foo=1'])('bad query %s is a 400', async (q) => {
    const res = await api.get(`/statistics/shops?${q}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  test('staff get 403', async () => {
    expect((await api.get('/statistics/shops', { token: staffToken })).status).toBe(403);
  });

  test('a sold SIM inserted with sold_at and no history is credited to its shop', async () => {
    const shop = await api.createShop();
    const at = new Date().toISOString();
    await api.db('simcards').insert({
      iccid: makeIccid(),
      shop_id: shop.id,
      status: 'sold',
      sold_at: at,
      assigned_at: new Date(Date.now() - 2 * DAY).toISOString(),
      created_at: at,
      updated_at: at,
    });
    const row = (await allRows()).data.find((r: { shop_id: number }) => r.shop_id === shop.id);
    expect(row).toMatchObject({ sold: 1, in_shop: 0, assigned: 1, sell_through: 100 });
    expect(row.mean_days_to_sale).toBeCloseTo(2, 1);
  });
});
