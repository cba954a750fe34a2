/**
 * GET /anomalies and GET /anomalies/{kind}: each kind found exactly (one SIM of each, plus
 * controls that must not be found), the ageing table per shop, STALE_DAYS honoured, admins only.
 */
import { makeIccid, TestApi } from './support/harness.js';
import { DAY } from './support/sales-data.js';

const STALE_DAYS = 10;
let api: TestApi;
let shopA: number;
let shopB: number;
let staff: string;
const expected: Record<
  'activated_in_stock' | 'activated_before_assignment' | 'stale_assigned' | 'unknown_to_provider' | 'operator_prefix_mismatch',
  number[]
> = {
  activated_in_stock: [],
  activated_before_assignment: [],
  stale_assigned: [],
  unknown_to_provider: [],
  operator_prefix_mismatch: [],
};

const iso = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();

async function sim(
  fields: Record<string, unknown>,
  moves: { to: number | null; daysAgo: number }[] = [],
  soldDaysAgo?: number,
): Promise<number> {
  const [row] = await api
    .db('simcards')
    .insert({ iccid: makeIccid(), status: 'in_stock', created_at: iso(100), updated_at: iso(0), ...fields })
    .returning('id');
  const id = typeof row === 'object' ? row.id : row;
  let from: number | null = null;
  for (const m of moves) {
    await api.db('assignment_logs').insert({
      simcard_id: id,
      iccid: 'x',
      from_shop_id: from,
      to_shop_id: m.to,
      action: m.to === null ? 'returned' : from === null ? 'assigned' : 'transferred',
      created_at: iso(m.daysAgo),
    });
    from = m.to;
  }
  if (soldDaysAgo !== undefined)
    await api
      .db('simcards')
      .where({ id })
      .update({ sold_at: iso(soldDaysAgo) });
  return id;
}

beforeAll(async () => {
  api = await TestApi.start({ STALE_DAYS: String(STALE_DAYS) });
  shopA = (await api.createShop()).id;
  shopB = (await api.createShop()).id;
  staff = (await api.createStaff(shopA)).token;

  // Normal SIMs: none of them is an anomaly.
  await sim({ operator: 'beeline', msisdn: '+998901111111' });
  await sim({ status: 'assigned', shop_id: shopA, assigned_at: iso(3), operator: 'ucell', msisdn: '+998931111111' }, [
    { to: shopA, daysAgo: 3 },
  ]);
  await sim(
    { status: 'sold', shop_id: shopA, assigned_at: iso(20), activated_at: iso(5), provider_status: 'active' },
    [{ to: shopA, daysAgo: 20 }],
    4,
  );
  await sim({ operator: 'someoperator', msisdn: '+998331111111' });
  await sim({ status: 'sold', shop_id: shopB, assigned_at: iso(40), provider_status: 'active' }, [{ to: shopB, daysAgo: 40 }], 30);

  expected.activated_in_stock.push(
    await sim(
      { status: 'sold', activated_at: iso(2), provider_status: 'active' },
      [
        { to: shopA, daysAgo: 9 },
        { to: null, daysAgo: 6 },
      ],
      2,
    ),
  );
  expected.activated_in_stock.push(await sim({ status: 'sold', provider_status: 'active' }, [], 1));
  expected.activated_before_assignment.push(
    await sim(
      { status: 'sold', shop_id: shopB, assigned_at: iso(5), activated_at: iso(8), provider_status: 'active' },
      [{ to: shopB, daysAgo: 5 }],
      1,
    ),
  );
  // Stale: 10-20, 20-30 and 30+ days at shop A, 12 days at shop B; 9 days is not stale yet; sold or blocked ones never are.
  for (const [shop, days] of [
    [shopA, 12],
    [shopA, 25],
    [shopA, 45],
    [shopA, 31],
    [shopB, 12],
  ] as const) {
    expected.stale_assigned.push(await sim({ status: 'assigned', shop_id: shop, assigned_at: iso(days) }, [{ to: shop, daysAgo: days }]));
  }
  await sim({ status: 'assigned', shop_id: shopA, assigned_at: iso(9) }, [{ to: shopA, daysAgo: 9 }]);
  await sim({ status: 'blocked', shop_id: shopA, assigned_at: iso(50) }, [{ to: shopA, daysAgo: 50 }]);
  expected.unknown_to_provider.push(await sim({ provider_status: 'not_found' }));
  expected.operator_prefix_mismatch.push(await sim({ operator: 'beeline', msisdn: '+998931234567' }));
  expected.operator_prefix_mismatch.push(await sim({ operator: 'uzmobile', msisdn: '+998901234567' }));
  // At the edges of beeline's own prefixes (90, 91, 20): the last own number is fine, the next one is not.
  await sim({ operator: 'beeline', msisdn: '+998919999999' });
  await sim({ operator: 'beeline', msisdn: '+998200000000' });
  expected.operator_prefix_mismatch.push(await sim({ operator: 'beeline', msisdn: '+998920000000' }));
  expected.operator_prefix_mismatch.push(await sim({ operator: 'beeline', msisdn: '+998199999999' }));
});
afterAll(() => api.close());

describe('GET /anomalies', () => {
  test('counts each kind exactly', async () => {
    const res = await api.get('/anomalies');
    expect(res.status).toBe(200);
    expect(res.body.stale_days).toBe(STALE_DAYS);
    expect(res.body.counts).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.length])));
  });

  test('stale SIMs per shop in ageing buckets of 1×, 2× and 3× STALE_DAYS', async () => {
    const res = await api.get('/anomalies');
    expect(res.body.age_buckets).toEqual([
      { min_days: 10, max_days: 20 },
      { min_days: 20, max_days: 30 },
      { min_days: 30, max_days: null },
    ]);
    expect(
      res.body.stale_by_shop.map((r: Record<string, unknown>) => ({ shop_id: r.shop_id, total: r.total, buckets: r.buckets })),
    ).toEqual([
      { shop_id: shopA, total: 4, buckets: [1, 1, 2] },
      { shop_id: shopB, total: 1, buckets: [1, 0, 0] },
    ]);
    expect(Date.parse(res.body.stale_by_shop[0].oldest_assigned_at)).toBeCloseTo(Date.parse(iso(45)), -5);
  });

  test('staff get 403', async () => {
    expect((await api.get('/anomalies', { token: staff })).status).toBe(403);
    expect((await api.get('/anomalies/stale_assigned', { token: staff })).status).toBe(403);
  });
});

describe('GET /anomalies/{kind}', () => {
  test.each(Object.keys(expected) as (keyof typeof expected)[])('%s lists exactly the SIMs of that kind', async (kind) => {
    const res = await api.get(`/anomalies/${kind}?limit=500`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(expected[kind].length);
    expect(res.body.data.map((s: { id: number }) => s.id).sort((a: number, b: number) => a - b)).toEqual(
      [...expected[kind]].sort((a, b) => a - b),
    );
  });

  test('the credited shop is shown with a SIM sold before it reached the shop', async () => {
    const res = await api.get('/anomalies/activated_before_assignment');
    expect(res.body.data[0]).toMatchObject({ shop_id: shopB, sold_shop_id: shopB, status: 'sold' });
  });

  test('stale SIMs come oldest first and page with limit and offset', async () => {
    const res = await api.get('/anomalies/stale_assigned?limit=2&offset=1');
    expect(res.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
    const ages = res.body.data.map((s: { assigned_at: string }) => Date.parse(s.assigned_at));
    expect(ages[0]).toBeLessThan(ages[1]);
  });

  test.each(['nonsense', 'STALE_ASSIGNED'])('an unknown kind (%s) is a 400', async (kind) => {
    expect((await api.get(`/anomalies/${kind}`)).status).toBe(400);
  });

  test('a bad limit is a 400', async () => {
    expect((await api.get('/anomalies/stale_assigned?limit=-1')).status).toBe(400);
  });
});
