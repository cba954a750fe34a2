/**
 * The API dump's CSV (`raw=true`) is written by the database, one line per row (PostgreSQL: COPY's
 * CSV of the rows, rewritten in the API's form by export-copy-csv.ts): byte for byte
 * what the CSV rules give for the values the API shows (GET /simcards/{id}), whatever the text
 * holds; a date stored in another form than the API's is still exported as the API shows it.
 */
import { testDialect } from '@simcard/db/testing';
import { HOSTILE_CSV_TEXTS } from '../../../tests/fixtures/hostile/csv-texts.js';
import { TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;
const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

const COLUMNS = [
  'id',
  'iccid',
  'msisdn',
  'operator',
  'tariff',
  'price',
  'batch_id',
  'status',
  'provider_status',
  'shop_id',
  'shop_code',
  'shop_name',
  'assigned_at',
  'activated_at',
  'sold_at',
  'last_checked_at',
  'last_check_error',
  'notes',
  'created_at',
  'updated_at',
] as const;
const FREE_TEXT = new Set(['tariff', 'batch_id', 'shop_name', 'last_check_error', 'notes']);

/** The rules, written independently of the server: formula prefix on free text, RFC 4180 quoting only when needed. */
function expectedLine(sim: Record<string, unknown>): string {
  return COLUMNS.map((c) => {
    const v = sim[c];
    if (v === null || v === undefined) return '';
    let text = String(v);
    if (FREE_TEXT.has(c) && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }).join(',');
}

async function exportLines(batch: string): Promise<string[]> {
  const res = await fetch(`${api.url}/simcards/export?raw=true&format=csv&batch_id=${batch}`, {
    headers: { authorization: `Bearer ${api.adminToken}` },
  });
  expect(res.status).toBe(200);
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
  expect(text.startsWith(`\ufeff${COLUMNS.join(',')}\r\n`)).toBe(true);
  // Split on the row terminator only: quoted fields may hold bare \n or \r.
  const body = text.slice(`\ufeff${COLUMNS.join(',')}\r\n`.length);
  expect(body.endsWith('\r\n')).toBe(true);
  return body.slice(0, -2).split(/\r\n(?=\d+,)/);
}

async function apiSimcard(id: number): Promise<Record<string, unknown>> {
  const res = await fetch(`${api.url}/simcards/${id}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

let batches = 0;
const uniqueBatch = () => `csvl-${process.pid}-${++batches}`;

describe('the CSV export lines written by the database', () => {
  test('equal, byte for byte, the CSV rules applied to the values the API shows, for text that needs quoting or a formula guard', async () => {
    const batch = uniqueBatch();
    const shop = await api.createShop({ name: '=Shop, "Bir" ikki' });
    const texts = HOSTILE_CSV_TEXTS;
    const ids: number[] = [];
    for (const [i, text] of texts.entries()) {
      const sim = await api.createSimcard({ batch_id: batch, ...(i % 2 ? { shop_id: shop.id } : {}) });
      ids.push(sim.id);
      // Straight into the table: the API refuses control characters in some fields; older rows or other writers may hold them.
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ tariff: text, notes: `${text} ${i}`, last_check_error: text, provider_status: i % 3 ? null : 'active' });
    }
    const expected: string[] = [];
    for (const id of ids) {
      const sim = await apiSimcard(id);
      const onShop = sim.shop_id === shop.id;
      expected.push(expectedLine({ ...sim, shop_code: onShop ? shop.code : null, shop_name: onShop ? shop.name : null }));
    }
    expect(await exportLines(batch)).toEqual(expected);
  });

  sqliteOnly('a date stored in another form than the API writes (an older row) is exported as the API shows it', async () => {
    const batch = uniqueBatch();
    const sim = await api.createSimcard({ batch_id: batch, notes: 'older row' });
    const other = await api.createSimcard({ batch_id: batch });
    await api.db('simcards').where({ id: sim.id }).update({ created_at: '2026-01-02 03:04:05', assigned_at: '2026-01-03T04:05:06Z' });
    const shown = await apiSimcard(sim.id);
    expect(shown.created_at).not.toBe('2026-01-02 03:04:05');
    expect(await exportLines(batch)).toEqual([expectedLine(shown), expectedLine(await apiSimcard(other.id))]);
  });

  test('text that is not free text keeps a leading = + - @ (no apostrophe), and is quoted when it must be', async () => {
    const batch = uniqueBatch();
    const shop = await api.createShop({ name: 'Plain shop' });
    await api.db('shops').where({ id: shop.id }).update({ code: '-S,1' });
    const texts = ['-op', '+998', '=x', '@y', 'a,b', 'q"q', 'plain'];
    const ids: number[] = [];
    for (const [i, text] of texts.entries()) {
      const sim = await api.createSimcard({ batch_id: batch, ...(i % 2 ? { shop_id: shop.id } : {}) });
      ids.push(sim.id);
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ operator: text, provider_status: text, msisdn: `${text}${i}` });
    }
    const expected: string[] = [];
    for (const id of ids) {
      const sim = await apiSimcard(id);
      const onShop = sim.shop_id === shop.id;
      expected.push(expectedLine({ ...sim, shop_code: onShop ? '-S,1' : null, shop_name: onShop ? shop.name : null }));
    }
    expect(expected[0]).toContain(',-op,');
    expect(await exportLines(batch)).toEqual(expected);
  });

  sqliteOnly('a number stored in another form (a real price) is exported as the API shows it', async () => {
    const batch = uniqueBatch();
    const sim = await api.createSimcard({ batch_id: batch });
    const other = await api.createSimcard({ batch_id: batch });
    await api.db('simcards').where({ id: sim.id }).update({ price: 15000.5 });
    const shown = await apiSimcard(sim.id);
    expect(shown.price).toBe(15000.5);
    expect(await exportLines(batch)).toEqual([expectedLine(shown), expectedLine(await apiSimcard(other.id))]);
  });

  test('text with characters outside the BMP (emoji), plain or needing the rules, is exported byte for byte', async () => {
    const batch = uniqueBatch();
    const texts = ['📦 box 1', 'plain', '=📦', 'a,📦', 'after'];
    const ids: number[] = [];
    for (const text of texts) ids.push((await api.createSimcard({ batch_id: batch, notes: text })).id);
    const expected: string[] = [];
    for (const id of ids) expected.push(expectedLine(await apiSimcard(id)));
    expect(await exportLines(batch)).toEqual(expected);
  });

  test("past the export's page size, pages that need the rules among plain ones: every row once, in order, byte for byte", async () => {
    const batch = uniqueBatch();
    const at = new Date().toISOString();
    const rows = Array.from({ length: 5_150 }, (_, i) => ({
      iccid: `8999877${String(process.pid % 1000).padStart(3, '0')}${String(i).padStart(9, '0')}`,
      batch_id: batch,
      status: 'in_stock',
      // 300 rows needing quotes in the first page: more than the export mends line by line.
      notes: i >= 2_000 && i < 2_300 ? `box ${i}, shelf` : i % 1000 === 7 ? `n${i}` : null,
      created_at: at,
      updated_at: at,
    }));
    for (let i = 0; i < rows.length; i += 400) await api.db('simcards').insert(rows.slice(i, i + 400));
    const ids: number[] = (await api.db('simcards').where({ batch_id: batch }).orderBy('id').select('id')).map((r: { id: number }) => r.id);
    // One row needing quotes in the first page, one with a formula-like note in the second, the rest plain (but see notes above).
    await api.db('simcards').where({ id: ids[10] }).update({ notes: 'a "quoted", note' });
    await api.db('simcards').where({ id: ids[5_100] }).update({ notes: '-5 so‘m' });
    // And a date in another stored form (SQLite keeps the text; the export must show the API's form).
    await api.db('simcards').where({ id: ids[5_120] }).update({ created_at: '2026-01-02 03:04:05' });
    // A date before year 1000 in the first page: PostgreSQL's COPY page is not trusted and is read with the rules.
    await api.db('simcards').where({ id: ids[20] }).update({ assigned_at: '0999-01-02T03:04:05.678Z' });
    const changed = new Map<number, Record<string, unknown>>();
    for (const id of [ids[10]!, ids[20]!, ids[5_100]!, ids[5_120]!]) changed.set(id, await apiSimcard(id));
    expect(changed.get(ids[20]!)!.assigned_at).toBe('0999-01-02T03:04:05.678Z');
    const expected = await Promise.all(
      ids.map(async (id, i) => {
        const shown = changed.get(id);
        if (shown) return expectedLine(shown);
        // Every other row as inserted: the API shows these stored values unchanged; one in 100 checked against the API itself.
        const row = { id, ...rows[i], price: null, shop_id: null, operator: null, tariff: null, msisdn: null };
        if (i % 100 === 0) expect(expectedLine(await apiSimcard(id))).toBe(expectedLine({ ...(await apiSimcard(id)), ...row }));
        return expectedLine(row);
      }),
    );
    expect(await exportLines(batch)).toEqual(expected);
  });

  test('empty text is exported empty, as null is (never as a quoted empty field)', async () => {
    const batch = uniqueBatch();
    const shop = await api.createShop({ name: 'Empty-code shop' });
    const sim = await api.createSimcard({ batch_id: batch, shop_id: shop.id });
    const other = await api.createSimcard({ batch_id: batch });
    await api
      .db('simcards')
      .where({ id: sim.id })
      .update({ tariff: '', notes: '', operator: '', provider_status: '', last_check_error: '' });
    await api.db('shops').where({ id: shop.id }).update({ code: '' });
    const shown = await apiSimcard(sim.id);
    const line = expectedLine({ ...shown, shop_code: '', shop_name: shop.name });
    expect(line).not.toContain('""');
    expect(await exportLines(batch)).toEqual([line, expectedLine(await apiSimcard(other.id))]);
  });

  postgresOnly('dates stored to the second, with trailing zeros or with microseconds are exported as the API shows them', async () => {
    const batch = uniqueBatch();
    const ids: number[] = [];
    const stored = [
      ['2026-01-02 03:04:05+00', '2026-01-02 03:04:05.5+00', '2026-01-02 03:04:05.123456+00'],
      ['2026-01-02 03:04:05.12+00', '2026-01-02 03:04:05.999999+00', '2026-01-02 03:04:05.000001+00'],
    ];
    for (const [created, updated, sold] of stored) {
      const sim = await api.createSimcard({ batch_id: batch });
      ids.push(sim.id);
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ created_at: created, updated_at: updated, sold_at: sold, last_checked_at: sold });
    }
    const shown = await Promise.all(ids.map(apiSimcard));
    expect(shown.map((s) => [s.created_at, s.updated_at, s.sold_at])).toEqual([
      ['2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05.500Z', '2026-01-02T03:04:05.123Z'],
      ['2026-01-02T03:04:05.120Z', '2026-01-02T03:04:05.999Z', '2026-01-02T03:04:05.000Z'],
    ]);
    expect(await exportLines(batch)).toEqual(shown.map((s) => expectedLine(s)));
  });

  test("a filter's text with quotes and backslashes selects exactly its SIMs (PostgreSQL writes it into COPY as a literal)", async () => {
    const batch = `${uniqueBatch()} O'Brien \\' or ''='`;
    const sim = await api.createSimcard({ batch_id: uniqueBatch() });
    await api.createSimcard({ batch_id: uniqueBatch() });
    await api.db('simcards').where({ id: sim.id }).update({ batch_id: batch });
    expect(await exportLines(encodeURIComponent(batch))).toEqual([expectedLine(await apiSimcard(sim.id))]);
  });
});
