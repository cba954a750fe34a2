/**
 * The SIM list's keyset cursor (`next_cursor` / `cursor`): walking the pages by cursor yields
 * exactly the rows, in the same order, that walking them by offset does — for every allowed sort
 * in both directions, on data where the nullable sort columns hold NULLs and every sort column
 * has ties (so the NULLs' place in each database's order and the tie-break by id both matter),
 * with filters and searches, through both ways a search is served, and for staff (their shop
 * only). A cursor that is not one, or not for this sort, or beside an offset, is a 400.
 */
import { appendCheckDigit } from '@simcard/common';
import { type SimcardSortColumn, simcardsRepository } from '@simcard/db';
import { type ApiResponse, TestApi } from './support/harness.js';

let api: TestApi;
let shops: number[] = [];
let staffToken: string;

/** A deterministic generator, so a failure can be replayed. */
let seed = 20261204;
function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const digits = (n: number) => Array.from({ length: n }, () => pick(['0', '1', '2', '9'])).join('');

const SORTS = simcardsRepository.SIMCARD_SORT_COLUMNS;
const STATUSES = ['in_stock', 'assigned', 'sold', 'blocked'] as const;
/** Few distinct instants: many ties on every date column. */
const INSTANTS = ['2026-11-02T08:00:00.000Z', '2026-11-15T12:30:00.000Z', '2026-11-28T20:00:00.000Z'];
const SIMS = 90;
const LIMIT = 7;

function randomRow(n: number) {
  const status = pick(STATUSES);
  const shop = status === 'in_stock' ? null : pick(shops);
  return {
    iccid: appendCheckDigit(`8999${digits(14)}`),
    msisdn: rand() < 0.25 ? null : `+9989${pick(['0', '1'])}${digits(3)}${String(n).padStart(4, '0')}`,
    operator: pick(['beeline', 'ucell', null]),
    price: pick([1000, 2000, null]),
    batch_id: pick(['ba', 'bb', null]),
    shop_id: shop,
    status,
    sold_at: status === 'sold' && rand() < 0.8 ? pick(INSTANTS) : null,
    assigned_at: shop === null ? null : pick(INSTANTS),
    created_at: pick(INSTANTS),
    updated_at: pick(INSTANTS.slice(0, 2)),
    last_checked_at: rand() < 0.4 ? null : pick(INSTANTS.slice(1)),
  };
}

interface Walk {
  ids: number[];
  totals: number[];
}

async function walkByOffset(query: string, token?: string): Promise<Walk> {
  const walk: Walk = { ids: [], totals: [] };
  for (let offset = 0; ; offset += LIMIT) {
    const res = await api.get(`/simcards?${query}&limit=${LIMIT}&offset=${offset}`, { token });
    expect({ query, offset, status: res.status }).toEqual({ query, offset, status: 200 });
    walk.ids.push(...res.body.data.map((s: { id: number }) => s.id));
    walk.totals.push(res.body.total);
    if (offset + LIMIT >= res.body.total) return walk;
  }
}

async function walkByCursor(query: string, token?: string): Promise<Walk> {
  const walk: Walk = { ids: [], totals: [] };
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res: ApiResponse = await api.get(`/simcards?${query}&limit=${LIMIT}${cursor === null ? '' : `&cursor=${cursor}`}`, { token });
    expect({ query, cursor, status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({
      query,
      cursor,
      status: 200,
      body: undefined,
    });
    walk.ids.push(...res.body.data.map((s: { id: number }) => s.id));
    walk.totals.push(res.body.total);
    cursor = res.body.next_cursor;
    // A cursor exactly while rows follow: null on the last page, a string on every other.
    expect({ query, page, last: cursor === null }).toEqual({ query, page, last: walk.ids.length >= res.body.total });
    if (cursor === null) return walk;
  }
  throw new Error(`${query}: more than 100 pages`);
}

/** The cursor walk equals the offset walk, and covers every match once. */
async function expectSameWalk(query: string, token?: string): Promise<number[]> {
  const byOffset = await walkByOffset(query, token);
  const byCursor = await walkByCursor(query, token);
  expect({ query, ids: byCursor.ids }).toEqual({ query, ids: byOffset.ids });
  expect(new Set(byOffset.ids).size).toBe(byOffset.ids.length);
  expect(byOffset.ids.length).toBe(byOffset.totals[0]);
  return byCursor.ids;
}

const sortParams = SORTS.flatMap((c) => [c, `-${c}`]);

beforeAll(async () => {
  // Hundreds of pages per test: the per-user rate limit is not what is tested here.
  api = await TestApi.start({ RATE_LIMIT_USER: '0' });
  shops = [];
  for (let s = 0; s < 3; s++) shops.push((await api.createShop()).id);
  staffToken = (await api.createStaff(shops[0]!)).token;
  // Inserted as rows: the dates and NULLs are set directly (the API would stamp its own).
  await api.db('simcards').insert(Array.from({ length: SIMS }, (_, n) => randomRow(n)));
}, 60_000);
afterAll(() => api.close());

describe('GET /simcards by cursor walks exactly the offset pages', () => {
  test('the data has NULLs and ties in every nullable sort column (else the test proves little)', async () => {
    const rows = await api.db('simcards').select('*');
    for (const column of ['msisdn', 'operator', 'price', 'batch_id', 'assigned_at', 'sold_at', 'last_checked_at']) {
      const values = rows.map((r: Record<string, unknown>) => r[column]);
      expect({ column, nulls: values.filter((v) => v === null).length > 1 }).toEqual({ column, nulls: true });
    }
    for (const column of ['status', 'operator', 'price', 'created_at', 'sold_at']) {
      const values = rows.map((r: Record<string, unknown>) => String(r[column])).filter((v) => v !== 'null');
      expect({ column, ties: new Set(values).size < values.length - LIMIT }).toEqual({ column, ties: true });
    }
  });

  test.each(sortParams)('sort=%s', async (sort) => {
    const ids = await expectSameWalk(`sort=${sort}`);
    expect(ids).toHaveLength(SIMS);
  });

  test('with filters, dates and searches (the search index path)', async () => {
    const queries = [
      'status=sold&sort=-sold_at',
      'status=sold&sort=sold_at',
      `shop_id=${shops[1]}&sort=assigned_at`,
      'operator=ucell&sort=-price',
      'batch_id=ba&sort=msisdn',
      'sold_from=2026-11-10&sort=-sold_at',
      'created_to=2026-11-20&sort=last_checked_at',
      'q=90&sort=-msisdn',
      'q=8999&sort=price',
      'q=8999&status=assigned&sort=-assigned_at',
      `q=90&shop_id=${shops[2]}&sort=-batch_id`,
      'q=9989&sort=operator',
    ];
    let nonEmpty = 0;
    for (const query of queries) if ((await expectSameWalk(query)).length > LIMIT) nonEmpty++;
    expect(nonEmpty).toBeGreaterThan(queries.length / 2);
  }, 60_000);

  test('a search walked by cursor on both plans (search index, and the scan of the sort’s index) matches its offset pages', async () => {
    const sorts: Array<{ column: SimcardSortColumn; direction: 'asc' | 'desc' }> = [
      { column: 'sold_at', direction: 'desc' },
      { column: 'sold_at', direction: 'asc' },
      { column: 'price', direction: 'asc' },
      { column: 'status', direction: 'desc' },
      { column: 'iccid', direction: 'asc' },
      { column: 'id', direction: 'desc' },
    ];
    for (const sort of sorts) {
      for (const plan of ['index', 'scan'] as const) {
        const filter = { q: '8999', operator: 'beeline' };
        const byOffset: number[] = [];
        for (let offset = 0; ; offset += LIMIT) {
          const page = await simcardsRepository.list(api.db, filter, { limit: LIMIT, offset }, sort, { plan });
          byOffset.push(...page.rows.map((r) => r.id));
          if (page.rows.length < LIMIT) break;
        }
        const byCursor: number[] = [];
        let after: simcardsRepository.SimcardKey | undefined;
        for (let k = 0; k < 100; k++) {
          const page = await simcardsRepository.list(api.db, filter, { limit: LIMIT, offset: 0, after }, sort, { plan });
          byCursor.push(...page.rows.map((r) => r.id));
          if (!page.next) break;
          after = page.next;
        }
        expect({ sort, plan, ids: byCursor }).toEqual({ sort, plan, ids: byOffset });
        expect(byOffset.length).toBeGreaterThan(LIMIT);
      }
    }
  }, 60_000);

  test('staff walk their own shop only; a cursor taken from another shop’s row does not widen it', async () => {
    const own = await api.db('simcards').where({ shop_id: shops[0] }).pluck('id');
    for (const sort of ['-sold_at', 'price', '-assigned_at', 'operator']) {
      const ids = await expectSameWalk(`sort=${sort}`, staffToken);
      expect([...ids].sort((a, b) => a - b)).toEqual([...own].sort((a, b) => a - b));
    }
    // The admin's first page (every shop) gives a cursor; staff following it still see their shop only.
    const first = await api.get(`/simcards?sort=-id&limit=${LIMIT}`);
    const res = await api.get(`/simcards?sort=-id&limit=500&cursor=${first.body.next_cursor}`, { token: staffToken });
    expect(res.status).toBe(200);
    const lastId = first.body.data.at(-1).id;
    expect(res.body.data.map((s: { id: number }) => s.id)).toEqual(
      own.filter((id: number) => id < lastId).sort((a: number, b: number) => b - a),
    );
    expect((await api.get(`/simcards?shop_id=${shops[1]}&cursor=${first.body.next_cursor}`, { token: staffToken })).status).toBe(404);
  });
});

describe('bad cursors are a 400, never a 500', () => {
  const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const cases: Array<[string, string, string]> = [
    ['garbage', '!!not-a-cursor!!', ''],
    ['empty', '', ''],
    ['base64 of text', Buffer.from('hello').toString('base64url'), ''],
    ['a JSON array', encode([1, 2]), ''],
    ['made for another sort', encode({ s: 'price', v: 1000, i: 5 }), ''],
    ['made for the other direction', encode({ s: '-price', v: 1000, i: 5 }), 'sort=price'],
    ['a price that is text', encode({ s: 'price', v: 'x', i: 5 }), 'sort=price'],
    ['a price beyond an integer column', encode({ s: 'price', v: 2 ** 40, i: 5 }), 'sort=price'],
    ['an id beyond an integer column', encode({ s: '-id', v: null, i: 2 ** 40 }), ''],
    ['an id that is text', encode({ s: '-id', v: null, i: '5' }), ''],
    ['a date that does not exist', encode({ s: '-sold_at', v: '2026-02-31T00:00:00.000Z', i: 5 }), 'sort=-sold_at'],
    ['a date that is not one', encode({ s: '-sold_at', v: 'yesterday', i: 5 }), 'sort=-sold_at'],
    ['NULL for a column never null', encode({ s: 'status', v: null, i: 5 }), 'sort=status'],
    ['a NUL character', encode({ s: 'operator', v: 'a\u0000b', i: 5 }), 'sort=operator'],
    ['an extra field', encode({ s: '-id', v: null, i: 5, shop: 1 }), ''],
    ['too long', 'A'.repeat(600), ''],
  ];

  test.each(cases)('%s', async (_name, cursor, query) => {
    const res = await api.get(`/simcards?${query}${query ? '&' : ''}cursor=${encodeURIComponent(cursor)}`);
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.details?.[0]?.field }).toEqual({
      status: 400,
      code: 'invalid_cursor',
      field: 'cursor',
    });
  });

  test('a cursor of the same sort that points nowhere in particular is a page, not an error', async () => {
    const res = await api.get(`/simcards?sort=-sold_at&cursor=${encode({ s: '-sold_at', v: '2026-11-20T00:00:00Z', i: 1 })}`);
    expect(res.status).toBe(200);
    // Sold before that instant (then, on SQLite, where NULL is smallest, the SIMs never sold).
    const sold = res.body.data.filter((s: { sold_at: string | null }) => s.sold_at !== null);
    expect(sold.length).toBeGreaterThan(0);
    expect(sold.every((s: { sold_at: string }) => s.sold_at < '2026-11-20T00:00:00Z')).toBe(true);
  });

  test('cursor with a non-zero offset is a 400 cursor_with_offset; with offset=0 it is a page', async () => {
    const first = await api.get(`/simcards?sort=-price&limit=${LIMIT}`);
    const both = await api.get(`/simcards?sort=-price&offset=7&cursor=${first.body.next_cursor}`);
    expect({ status: both.status, code: both.body.error?.code }).toEqual({ status: 400, code: 'cursor_with_offset' });
    const zero = await api.get(`/simcards?sort=-price&limit=${LIMIT}&offset=0&cursor=${first.body.next_cursor}`);
    const second = await api.get(`/simcards?sort=-price&limit=${LIMIT}&offset=${LIMIT}`);
    expect(zero.body.data.map((s: { id: number }) => s.id)).toEqual(second.body.data.map((s: { id: number }) => s.id));
  });
});
