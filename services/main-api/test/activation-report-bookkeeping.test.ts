/**
 * An activation report's sales keep the same books as a check's (issue 15): the report sells in
 * sets (migration 1971 switches the sale's row triggers off inside its transaction), so each SIM
 * it sells is compared with a twin sold the way every other writer sells, by one UPDATE whose
 * triggers do the bookkeeping: the credited shop and since when, the commission and the shop's
 * share (rules and shares in force at the sale). The kept sums (per-day sales and totals, SIM
 * counters, commission days, the log's row count) are then recomputed from their rows and must
 * agree; a later ordinary sale still runs its triggers.
 */
import { appendCheckDigit } from '@simcard/common';
import { isSqlite } from '@simcard/db';
import { TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start({ TIME_ZONE: 'Asia/Tashkent' });
});
afterAll(() => api.close());

let n = 0;
const iccid = () => appendCheckDigit(`8999805${String(process.pid % 10000).padStart(4, '0')}${String(++n).padStart(7, '0')}`);

interface Case {
  name: string;
  tariff: string;
  /** Where the SIM is now (null: stock) and since when. */
  shop: 'a' | 'b' | null;
  assignedAt: string | null;
  /** Moves in the assignment history: [to shop, when]. */
  moves: Array<['a' | 'b' | null, string]>;
  soldAt: string;
}

const CASES: Case[] = [
  { name: 'no history', tariff: 'Start', shop: 'a', assignedAt: '2026-11-02T05:00:00.000Z', moves: [], soldAt: '2026-11-30T09:05:00.000Z' },
  {
    name: 'moved to B after an earlier sale date',
    tariff: 'Other',
    shop: 'b',
    assignedAt: '2026-11-25T05:00:00.000Z',
    moves: [
      ['a', '2026-11-01T05:00:00.000Z'],
      ['b', '2026-11-25T05:00:00.000Z'],
    ],
    soldAt: '2026-11-20T10:00:00.000Z',
  },
  {
    name: 'sold at B',
    tariff: 'Start',
    shop: 'b',
    assignedAt: '2026-11-25T05:00:00.000Z',
    moves: [
      ['a', '2026-11-01T05:00:00.000Z'],
      ['b', '2026-11-25T05:00:00.000Z'],
    ],
    soldAt: '2026-11-29T19:00:00.000Z',
  },
  {
    name: 'returned to stock before the sale',
    tariff: 'Start',
    shop: null,
    assignedAt: null,
    moves: [
      ['a', '2026-11-01T05:00:00.000Z'],
      [null, '2026-11-10T05:00:00.000Z'],
    ],
    soldAt: '2026-11-30T09:05:00.000Z',
  },
  { name: 'stock, never moved', tariff: 'Start', shop: null, assignedAt: null, moves: [], soldAt: '2026-10-15T09:05:00.000Z' },
];

const SIM_KEYS = ['status', 'sold_shop_id', 'sold_shop_since', 'sold_at', 'activated_at', 'sale_source', 'provider_status'] as const;
const COMMISSION_KEYS = ['shop_id', 'operator', 'tariff', 'sold_at', 'rule_id', 'amount', 'share_id', 'share'] as const;

function pick(row: Record<string, unknown>, keys: readonly string[]) {
  return Object.fromEntries(keys.map((k) => [k, row[k] instanceof Date ? (row[k] as Date).toISOString() : row[k]]));
}

/** The kept sums recomputed from their rows (each dialect's day, as its triggers write it). */
async function sumsAgree(): Promise<void> {
  const db = api.db;
  const day = (c: string) => (isSqlite(db) ? `substr(${c}, 1, 10)` : `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD')`);
  const rows = async (sql: string) => ((r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows))(await db.raw(sql));
  const norm = (list: unknown[]) =>
    (list as Array<Record<string, unknown>>)
      .map((r) =>
        Object.values(r).map((v) => (typeof v === 'number' || /^-?\d+(\.\d+)?$/.test(String(v)) ? Math.round(Number(v) * 1e6) / 1e6 : v)),
      )
      .map((r) => JSON.stringify(r))
      .sort();
  const daily = await rows(`select shop_id, day, sold, timed from shop_sales_daily where sold <> 0`);
  const dailyExpected = await rows(`select sold_shop_id, ${day('sold_at')} as day, count(*) as sold, count(sold_shop_since) as timed
    from simcards where sold_at is not null and sold_shop_id is not null group by 1, 2`);
  expect(norm(daily)).toEqual(norm(dailyExpected));
  const totals = await rows('select shop_id, sold from shop_sales_totals where sold <> 0');
  const totalsExpected = await rows(
    'select sold_shop_id, count(*) as n from simcards where sold_at is not null and sold_shop_id is not null group by 1',
  );
  expect(norm(totals)).toEqual(norm(totalsExpected));
  const tallies = await rows('select shop_key, operator, status, sum(n) as n from simcard_tallies group by 1, 2, 3 having sum(n) <> 0');
  const talliesExpected = await rows(
    `select coalesce(shop_id, 0) as k, coalesce(operator, '') as o, status, count(*) as n from simcards group by 1, 2, 3`,
  );
  expect(norm(tallies)).toEqual(norm(talliesExpected));
  for (const [table, key, value] of [
    ['commission_shop_daily', 'shop_id', 'coalesce(shop_id, 0)'],
    ['commission_operator_daily', 'operator', "coalesce(operator, '')"],
  ]) {
    const kept = await rows(`select ${key}, day, activations, amount, share from ${table} where activations <> 0`);
    const expected = await rows(
      `select ${value} as k, ${day('sold_at')} as day, count(*) as a, sum(amount) as m, sum(share) as s from sale_commissions group by 1, 2`,
    );
    expect(norm(kept)).toEqual(norm(expected));
  }
  const logCount = await rows(`select sum(n) as n from row_counts where table_name = 'status_check_logs'`);
  const logs = await rows('select count(*) as n from status_check_logs');
  expect(norm(logCount)).toEqual(norm(logs));
}

test('a report’s sales are credited, commissioned and summed as a check’s sale is, and later sales still run their triggers', async () => {
  const admin = (path: string, body: unknown) => api.post(path, body);
  expect((await admin('/commission-rules', { operator: 'beeline', amount: 5000, valid_from: '2026-01-01' })).status).toBe(201);
  expect((await admin('/commission-rules', { operator: 'beeline', tariff: 'Start', amount: 9000, valid_from: '2026-11-15' })).status).toBe(
    201,
  );
  const a = await api.createShop();
  const b = await api.createShop();
  expect((await admin('/commission-shares', { shop_id: null, kind: 'percent', value: 33.33, valid_from: '2026-01-01' })).status).toBe(201);
  expect((await admin('/commission-shares', { shop_id: b.id, kind: 'fixed', value: 1500, valid_from: '2026-11-26' })).status).toBe(201);
  const shopId = (s: 'a' | 'b' | null) => (s === 'a' ? a.id : s === 'b' ? b.id : null);

  const pairs: Array<{ c: Case; report: { id: number; iccid: string }; twin: { id: number; iccid: string } }> = [];
  for (const c of CASES) {
    const made = [];
    for (let k = 0; k < 2; k++) {
      const sim = (await api.createSimcard({ iccid: iccid(), operator: 'beeline', tariff: c.tariff })) as { id: number; iccid: string };
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ shop_id: shopId(c.shop), status: c.shop ? 'assigned' : 'in_stock', assigned_at: c.assignedAt });
      let from: number | null = null;
      for (const [to, when] of c.moves) {
        await api.db('assignment_logs').insert({
          simcard_id: sim.id,
          iccid: sim.iccid,
          from_shop_id: from,
          to_shop_id: shopId(to),
          action: to === null ? 'returned' : from === null ? 'assigned' : 'transferred',
          created_at: when,
        });
        from = shopId(to);
      }
      made.push(sim);
    }
    pairs.push({ c, report: made[0]!, twin: made[1]! });
  }
  await sumsAgree();

  const csv = ['iccid,activation date', ...pairs.map((p) => `${p.report.iccid},${p.c.soldAt}`)].join('\n');
  const res = await api.request('POST', '/activation-reports?operator=beeline', { rawBody: csv, headers: { 'content-type': 'text/csv' } });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ sold: CASES.length, already_sold: 0 });
  await sumsAgree();

  // The twins, sold as a check sells (an ordinary UPDATE: the row triggers keep the books).
  for (const p of pairs) {
    await api.db('simcards').where({ id: p.twin.id }).update({
      status: 'sold',
      provider_status: 'active',
      sold_at: p.c.soldAt,
      activated_at: p.c.soldAt,
      sale_source: 'report',
    });
  }
  await sumsAgree();

  for (const p of pairs) {
    const [mine, twin] = await Promise.all([p.report.id, p.twin.id].map((id) => api.db('simcards').where({ id }).first()));
    expect({ case: p.c.name, ...pick(mine, SIM_KEYS) }).toEqual({ case: p.c.name, ...pick(twin, SIM_KEYS) });
    const [c1, c2] = await Promise.all([p.report.id, p.twin.id].map((id) => api.db('sale_commissions').where({ simcard_id: id }).first()));
    expect({ case: p.c.name, ...pick(c1, COMMISSION_KEYS) }).toEqual({ case: p.c.name, ...pick(c2, COMMISSION_KEYS) });
  }
  // The cases do reach every branch: a shop's fixed share, the dealer's percent, a sale credited to no shop, both rules.
  const commissions = await api.db('sale_commissions').whereIn(
    'simcard_id',
    pairs.map((p) => p.report.id),
  );
  expect(new Set(commissions.map((c: { amount: number }) => Number(c.amount)))).toEqual(new Set([5000, 9000]));
  expect(new Set(commissions.map((c: { share: number }) => Number(c.share)))).toEqual(new Set([1667, 1500, 3000, 0]));
  expect(Number(((await api.db('report_sale_stage').count({ n: '*' }).first()) as { n: number | string }).n)).toBe(0);
});
