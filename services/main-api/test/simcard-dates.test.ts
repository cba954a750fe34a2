/**
 * Date filters on the SIM list and the export (`sold_from/sold_to`, `assigned_from/assigned_to`,
 * `created_from/created_to`): a day is a whole day in the dealer's time zone (TIME_ZONE, default
 * Asia/Tashkent, UTC+5), both bounds inclusive; an ISO instant is itself. Checked at the day's
 * edges and against a scan of random rows.
 */
import { appendCheckDigit } from '@simcard/common';
import { TestApi } from './support/harness.js';

let api: TestApi;
let shopId: number;
let counter = 0;

const iccid = () => appendCheckDigit(`8999803${String(process.pid % 10_000).padStart(4, '0')}${String(++counter).padStart(7, '0')}`);

interface Row {
  id: number;
  iccid: string;
  sold_at: string | null;
  assigned_at: string | null;
  created_at: string;
}

async function insert(rows: Partial<Row>[]): Promise<Row[]> {
  const at = '2026-11-15T10:00:00.000Z';
  const out: Row[] = [];
  for (const r of rows) {
    const full = {
      iccid: iccid(),
      status: r.sold_at ? 'sold' : r.assigned_at ? 'assigned' : 'in_stock',
      shop_id: r.sold_at || r.assigned_at ? shopId : null,
      sold_at: r.sold_at ?? null,
      assigned_at: r.assigned_at ?? (r.sold_at ? r.sold_at : null),
      created_at: r.created_at ?? at,
      updated_at: at,
    };
    const [row] = await api.db('simcards').insert(full).returning(['id', 'iccid']);
    out.push({
      id: (row as { id: number }).id,
      iccid: full.iccid,
      sold_at: full.sold_at,
      assigned_at: full.assigned_at,
      created_at: full.created_at,
    });
  }
  return out;
}

async function ids(query: string): Promise<number[]> {
  const res = await api.get(`/simcards?${query}&limit=500`);
  expect({ query, status: res.status }).toEqual({ query, status: 200 });
  return res.body.data.map((s: { id: number }) => s.id).sort((a: number, b: number) => a - b);
}

beforeAll(async () => {
  api = await TestApi.start();
  shopId = (await api.createShop()).id;
});
afterAll(() => api.close());

describe('date filters: a day is the dealer’s whole day, both bounds inclusive', () => {
  let edge: Row[];
  beforeAll(async () => {
    // Tashkent is UTC+5: 30 November runs from 2026-11-29T19:00Z to 2026-11-30T19:00Z.
    edge = await insert([
      { sold_at: '2026-11-29T18:59:59.999Z', created_at: '2026-11-20T00:00:00.000Z' }, // 29 Nov, 23:59:59.999 local
      { sold_at: '2026-11-29T19:00:00.000Z', created_at: '2026-11-20T00:00:00.000Z' }, // 30 Nov, 00:00 local
      { sold_at: '2026-11-30T18:59:59.999Z', created_at: '2026-11-20T00:00:00.000Z' }, // 30 Nov, 23:59:59.999 local
      { sold_at: '2026-11-30T19:00:00.000Z', created_at: '2026-11-20T00:00:00.000Z' }, // 1 Dec, 00:00 local
    ]);
  });

  test('sold_from = sold_to = one day: exactly that local day', async () => {
    expect(await ids('sold_from=2026-11-30&sold_to=2026-11-30')).toEqual([edge[1]!.id, edge[2]!.id]);
  });

  test('one bound alone', async () => {
    const from = await ids('sold_from=2026-11-30&created_to=2026-11-20');
    expect(from).toEqual([edge[1]!.id, edge[2]!.id, edge[3]!.id]);
    const to = await ids('sold_to=2026-11-30&created_to=2026-11-20');
    expect(to).toEqual([edge[0]!.id, edge[1]!.id, edge[2]!.id]);
  });

  test('ISO instants are themselves, inclusive at both ends, with any zone', async () => {
    expect(await ids('sold_from=2026-11-29T19:00:00Z&sold_to=2026-11-30T18:59:59.999Z')).toEqual([edge[1]!.id, edge[2]!.id]);
    expect(
      await ids(
        `sold_from=${encodeURIComponent('2026-11-30T00:00:00+05:00')}&sold_to=${encodeURIComponent('2026-11-30T23:59:59.999+05:00')}`,
      ),
    ).toEqual([edge[1]!.id, edge[2]!.id]);
    expect(await ids('sold_from=2026-11-30T18:59:59.999Z&sold_to=2026-11-30T18:59:59.999Z')).toEqual([edge[2]!.id]);
  });

  test('the total counts the filtered SIMs', async () => {
    const res = await api.get('/simcards?sold_from=2026-11-30&sold_to=2026-11-30');
    expect(res.body.total).toBe(2);
  });

  test.each([
    ['sold_from', '2026-11-31'],
    ['sold_to', '30.11.2026'],
    ['assigned_from', '2026-11-30T10:00'],
    ['created_to', 'yesterday'],
  ])('%s=%s is a 400 naming the field', async (field, value) => {
    const res = await api.get(`/simcards?${field}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  test('the export takes the same filters: everything sold on 30 November', async () => {
    const res = await api.get('/simcards/export?format=csv&raw=true&sold_from=2026-11-30&sold_to=2026-11-30');
    expect(res.status).toBe(200);
    const found = edge.filter((r) => res.text.includes(r.iccid)).map((r) => r.id);
    expect(found).toEqual([edge[1]!.id, edge[2]!.id]);
  });
});

describe('date filters against a scan of random rows', () => {
  test('every combination of bounds on the three columns answers what a scan answers', async () => {
    let seed = 17;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const base = Date.UTC(2026, 9, 1);
    const at = () => new Date(base + Math.floor(rand() * 20 * 86_400_000)).toISOString();
    const rows = await insert(
      Array.from({ length: 120 }, () => {
        const sold = rand() < 0.4 ? at() : null;
        return { sold_at: sold, assigned_at: sold ?? (rand() < 0.5 ? at() : null), created_at: at() };
      }),
    );
    const mine = new Set(rows.map((r) => r.id));
    // Tashkent days as UTC bounds: a day D covers [D-1 19:00Z, D 19:00Z).
    const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) - 5 * 3_600_000;
    const columns = { sold: 'sold_at', assigned: 'assigned_at', created: 'created_at' } as const;
    for (let k = 0; k < 40; k++) {
      const params = new URLSearchParams();
      const tests: ((r: Row) => boolean)[] = [];
      for (const [name, column] of Object.entries(columns)) {
        if (rand() < 0.5) continue;
        const day = (n: number) => new Date(base + n * 86_400_000).toISOString().slice(0, 10);
        const fromDay = day(Math.floor(rand() * 20));
        const toDay = day(Math.floor(rand() * 20));
        const value = (r: Row) => (r[column] === null ? null : Date.parse(r[column]!));
        if (rand() < 0.7) {
          const instant = rand() < 0.5;
          const from = instant ? new Date(dayStart(fromDay) + 3_600_000).toISOString() : fromDay;
          params.set(`${name}_from`, from);
          const lo = instant ? Date.parse(from) : dayStart(fromDay);
          tests.push((r) => value(r) !== null && value(r)! >= lo);
        }
        if (rand() < 0.7) {
          const instant = rand() < 0.5;
          const to = instant ? new Date(dayStart(toDay) + 7_200_000).toISOString() : toDay;
          params.set(`${name}_to`, to);
          const hi = instant ? Date.parse(to) + 1 : dayStart(toDay) + 86_400_000; // exclusive
          tests.push((r) => value(r) !== null && value(r)! < hi);
        }
      }
      const got = (await ids(params.toString())).filter((id) => mine.has(id));
      const want = rows
        .filter((r) => tests.every((t) => t(r)))
        .map((r) => r.id)
        .sort((a, b) => a - b);
      expect({ query: params.toString(), ids: got }).toEqual({
        query: params.toString(),
        ids: params.size === 0 ? rows.map((r) => r.id).sort((a, b) => a - b) : want,
      });
    }
  }, 60_000);
});

describe('TIME_ZONE moves the day', () => {
  test('with TIME_ZONE=UTC, 30 November is the UTC day', async () => {
    const utc = await TestApi.start({ TIME_ZONE: 'UTC' });
    try {
      const [a, b] = [iccid(), iccid()];
      await utc.db('simcards').insert([
        {
          iccid: a,
          status: 'sold',
          sold_at: '2026-11-29T20:00:00.000Z',
          created_at: '2026-11-01T00:00:00.000Z',
          updated_at: '2026-11-01T00:00:00.000Z',
        },
        {
          iccid: b,
          status: 'sold',
          sold_at: '2026-11-30T20:00:00.000Z',
          created_at: '2026-11-01T00:00:00.000Z',
          updated_at: '2026-11-01T00:00:00.000Z',
        },
      ]);
      const res = await utc.get('/simcards?sold_from=2026-11-30&sold_to=2026-11-30');
      expect(res.body.data.map((s: { iccid: string }) => s.iccid)).toEqual([b]);
    } finally {
      await utc.close();
    }
  });
});
