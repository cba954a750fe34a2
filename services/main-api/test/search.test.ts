/**
 * SIM search (`GET /simcards?q=`) checked against a scan: random SIMs whose numbers share many
 * digit runs, random queries (any 4+ digits found anywhere, shorter ones as prefixes) with random
 * filters, sorts and offsets, each answer compared with the same filter and sort done in JS over
 * every row. Both ways the list can serve a search (the search index, or walking the sort's index
 * with a plain test) are compared the same way, before and after SIMs change numbers or go.
 */
import { appendCheckDigit } from '@simcard/common';
import { type SimcardSortColumn, simcardsRepository } from '@simcard/db';
import { TestApi } from './support/harness.js';

let api: TestApi;
const dialect = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

interface Sim {
  id: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  price: number | null;
  batch_id: string | null;
  shop_id: number | null;
  status: string;
  sold_at: string | null;
  assigned_at: string | null;
  created_at: string;
  updated_at: string;
  last_checked_at: string | null;
}

/** A deterministic generator, so a failure can be replayed. */
let seed = 20261203;
function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Digits from a small alphabet: runs of 4–6 digits recur across many SIMs. */
const digits = (n: number) => Array.from({ length: n }, () => pick(['0', '1', '2', '7', '9'])).join('');

const SORTS = simcardsRepository.SIMCARD_SORT_COLUMNS;
const STATUSES = ['in_stock', 'assigned', 'sold', 'blocked'] as const;
const OPERATORS = ['beeline', 'ucell', 'uzmobile', null] as const;
let shops: number[] = [];

const instant = (day: number, ms: number) => new Date(Date.UTC(2026, 10, 1) + day * 86_400_000 + ms).toISOString();

function randomRow(n: number) {
  const status = pick(STATUSES);
  const shop = status === 'in_stock' ? null : pick(shops);
  const iccid = appendCheckDigit(`8999${digits(14)}`);
  return {
    iccid,
    // Unique numbers, some missing: +998 90 xxxxxxx with a counter in the last digits.
    msisdn: rand() < 0.15 ? null : `+99890${digits(3)}${String(n).padStart(4, '0')}`,
    operator: pick(OPERATORS),
    price: rand() < 0.2 ? null : Math.floor(rand() * 5) * 1000,
    batch_id: pick(['ba', 'bb', 'bc', null]),
    shop_id: shop,
    status,
    sold_at: status === 'sold' ? instant(Math.floor(rand() * 30), Math.floor(rand() * 86_400_000)) : null,
    assigned_at: shop === null ? null : instant(Math.floor(rand() * 30), Math.floor(rand() * 86_400_000)),
    created_at: instant(Math.floor(rand() * 30), Math.floor(rand() * 86_400_000)),
    updated_at: instant(31, Math.floor(rand() * 86_400_000)),
    last_checked_at: rand() < 0.5 ? null : instant(Math.floor(rand() * 30), Math.floor(rand() * 86_400_000)),
  };
}

async function allSims(): Promise<Sim[]> {
  const rows = await api.db('simcards').select('*');
  const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
  return rows.map((r: any) => ({
    ...r,
    sold_at: iso(r.sold_at),
    assigned_at: iso(r.assigned_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    last_checked_at: iso(r.last_checked_at),
  }));
}

function matches(sim: Sim, q: string): boolean {
  if (q.length >= 4) return sim.iccid.includes(q) || (sim.msisdn?.includes(q) ?? false);
  return sim.iccid.startsWith(q) || (sim.msisdn?.startsWith(`+${q}`) ?? false) || (sim.msisdn?.startsWith(`+998${q}`) ?? false);
}

/** The database's order: SQLite puts NULL first ascending, PostgreSQL last. Ties by id, same direction. */
function compare(column: SimcardSortColumn, direction: 'asc' | 'desc') {
  const nullsFirstAsc = dialect === 'sqlite';
  return (a: Sim, b: Sim) => {
    const x = a[column as keyof Sim];
    const y = b[column as keyof Sim];
    let c = 0;
    if (x === null && y !== null) c = nullsFirstAsc ? -1 : 1;
    else if (x !== null && y === null) c = nullsFirstAsc ? 1 : -1;
    else if (x !== null && y !== null && x !== y) c = x < y ? -1 : 1;
    if (c === 0) c = a.id - b.id;
    return direction === 'asc' ? c : -c;
  };
}

interface Probe {
  q: string;
  status?: (typeof STATUSES)[number];
  shopId?: number;
  operator?: string;
  column: SimcardSortColumn;
  direction: 'asc' | 'desc';
  offset: number;
  limit: number;
}

function randomProbe(sims: Sim[]): Probe {
  const sim = pick(sims);
  const source = sim.msisdn && rand() < 0.4 ? sim.msisdn.slice(1) : sim.iccid;
  const length = pick([1, 2, 3, 4, 4, 5, 6, 8]);
  // Start, middle or the last digits.
  const at = pick([0, Math.floor(rand() * (source.length - length)), source.length - length]);
  const probe: Probe = {
    q: source.slice(at, at + length),
    column: pick(SORTS),
    direction: pick(['asc', 'desc'] as const),
    offset: pick([0, 0, 3, 20]),
    limit: pick([5, 50]),
  };
  if (rand() < 0.25) probe.status = pick(STATUSES);
  if (rand() < 0.2) probe.shopId = pick(shops);
  if (rand() < 0.15) probe.operator = 'ucell';
  return probe;
}

function expected(sims: Sim[], p: Probe) {
  const all = sims
    .filter((s) => matches(s, p.q))
    .filter((s) => (p.status ? s.status === p.status : true))
    .filter((s) => (p.shopId !== undefined ? s.shop_id === p.shopId : true))
    .filter((s) => (p.operator ? s.operator === p.operator : true))
    .sort(compare(p.column, p.direction));
  return { ids: all.slice(p.offset, p.offset + p.limit).map((s) => s.id), total: all.length };
}

function query(p: Probe): string {
  const params = new URLSearchParams({
    q: p.q,
    sort: `${p.direction === 'desc' ? '-' : ''}${p.column}`,
    offset: String(p.offset),
    limit: String(p.limit),
  });
  if (p.status) params.set('status', p.status);
  if (p.shopId !== undefined) params.set('shop_id', String(p.shopId));
  if (p.operator) params.set('operator', p.operator);
  return params.toString();
}

async function compareOverHttp(count: number): Promise<number> {
  const sims = await allSims();
  let nonEmpty = 0;
  for (let k = 0; k < count; k++) {
    const p = randomProbe(sims);
    const want = expected(sims, p);
    const res = await api.get(`/simcards?${query(p)}`);
    expect({ probe: p, status: res.status }).toEqual({ probe: p, status: 200 });
    expect({ probe: p, ids: res.body.data.map((s: { id: number }) => s.id), total: res.body.total, exact: res.body.total_exact }).toEqual({
      probe: p,
      ids: want.ids,
      total: want.total,
      exact: true,
    });
    if (want.ids.length > 0) nonEmpty++;
  }
  return nonEmpty;
}

async function compareBothPlans(count: number): Promise<void> {
  const sims = await allSims();
  for (let k = 0; k < count; k++) {
    const p = randomProbe(sims);
    const want = expected(sims, p);
    const filter = { q: p.q, status: p.status, shopId: p.shopId, operator: p.operator };
    for (const plan of ['index', 'scan'] as const) {
      const page = await simcardsRepository.list(
        api.db,
        filter,
        { limit: p.limit, offset: p.offset },
        { column: p.column, direction: p.direction },
        { plan },
      );
      const total = want.total > 1000 && plan === 'scan' ? 1000 : want.total;
      expect({ probe: p, plan, ids: page.rows.map((r) => r.id), total: page.total, exact: page.totalExact }).toEqual({
        probe: p,
        plan,
        ids: want.ids,
        total,
        exact: total === want.total,
      });
    }
  }
}

beforeAll(async () => {
  api = await TestApi.start();
  shops = [];
  for (let s = 0; s < 3; s++) shops.push((await api.createShop()).id);
  // Inserted as rows (the search index is kept by the database on any write, not by the API).
  const rows = Array.from({ length: 1200 }, (_, n) => randomRow(n));
  for (let k = 0; k < rows.length; k += 200) await api.db('simcards').insert(rows.slice(k, k + 200));
}, 60_000);
afterAll(() => api.close());

describe('GET /simcards?q= against a scan of every row', () => {
  test('random searches with filters, sorts and offsets answer exactly the scan’s page and total', async () => {
    const nonEmpty = await compareOverHttp(100);
    // The probes are built from existing numbers: most find something.
    expect(nonEmpty).toBeGreaterThan(50);
  }, 60_000);

  test('the search index and the scan of the sort’s index agree with the scan of every row', async () => {
    await compareBothPlans(50);
  }, 60_000);

  test('the last 4 digits of a number and a run in the middle of an ICCID find their SIMs', async () => {
    const sim = (await allSims()).find((s) => s.msisdn !== null)!;
    const byLast4 = await api.get(`/simcards?q=${sim.msisdn!.slice(-4)}&limit=500`);
    expect(byLast4.body.data.map((s: { id: number }) => s.id)).toContain(sim.id);
    const middle = sim.iccid.slice(7, 13);
    const byMiddle = await api.get(`/simcards?q=${middle}&limit=500`);
    expect(byMiddle.body.data.map((s: { id: number }) => s.id)).toContain(sim.id);
    expect(
      byMiddle.body.data.every((s: { iccid: string; msisdn: string | null }) => s.iccid.includes(middle) || s.msisdn?.includes(middle)),
    ).toBe(true);
  });

  test('fewer than 4 digits stay a prefix: 3 digits from the middle of an ICCID do not find it by that', async () => {
    const sims = await allSims();
    const sim = sims.find((s) => !sims.some((o) => matches(o, s.iccid.slice(9, 12))))!;
    // Only prefixes match; an ICCID run from its middle is found only if some number starts with it.
    if (sim) expect((await api.get(`/simcards?q=${sim.iccid.slice(9, 12)}`)).body.total).toBe(0);
    expect((await api.get('/simcards?q=899&limit=1')).body.total).toBe(sims.filter((s) => s.iccid.startsWith('899')).length);
  });

  test('changed and deleted numbers: the index follows every write', async () => {
    const sims = await allSims();
    const changed = sims.slice(0, 40);
    for (const [k, s] of changed.entries()) {
      const patch =
        k % 2 === 0
          ? { msisdn: k % 4 === 0 ? null : `+99891${digits(3)}${String(9000 + k).padStart(4, '0')}` }
          : { iccid: appendCheckDigit(`8999${digits(14)}`) };
      await api.db('simcards').where({ id: s.id }).update(patch);
    }
    const gone = sims.slice(40, 70).map((s) => s.id);
    await api.db('simcards').whereIn('id', gone).delete();
    // New SIMs through the API as well.
    for (let k = 0; k < 10; k++)
      await api.createSimcard({ iccid: appendCheckDigit(`8999${digits(14)}`), msisdn: `+99893${digits(3)}${String(k).padStart(4, '0')}` });
    await compareOverHttp(40);
    await compareBothPlans(20);
    // The old numbers find nothing any more (unless another SIM shares the run).
    const after = await allSims();
    for (const s of changed.slice(0, 10)) {
      const q = (s.msisdn ?? s.iccid).slice(-8);
      const res = await api.get(`/simcards?q=${q}&limit=500`);
      expect(res.body.data.map((r: { id: number }) => r.id).sort()).toEqual(
        after
          .filter((o) => matches(o, q))
          .map((o) => o.id)
          .sort(),
      );
    }
  }, 60_000);

  test('a broad search on the scan path counts up to 1,000 and says the total is not exact', async () => {
    const page = await simcardsRepository.list(
      api.db,
      { q: '8999' },
      { limit: 50, offset: 0 },
      { column: 'id', direction: 'desc' },
      { plan: 'scan' },
    );
    expect({ total: page.total, exact: page.totalExact, rows: page.rows.length }).toEqual({ total: 1000, exact: false, rows: 50 });
    // Through HTTP (a small table is counted whole: the index path): the exact total.
    const res = await api.get('/simcards?q=8999&limit=1');
    expect({ total: res.body.total, exact: res.body.total_exact }).toEqual({
      total: (await allSims()).filter((s) => s.iccid.includes('8999')).length,
      exact: true,
    });
  });
});
