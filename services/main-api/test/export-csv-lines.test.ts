/**
 * The API dump's CSV (`raw=true`) is written by the database, one line per row: byte for byte
 * what the CSV rules give for the values the API shows (GET /simcards/{id}), whatever the text
 * holds; a date stored in another form than the API's is still exported as the API shows it.
 */
import { testDialect } from '@simcard/db/testing';
import { TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;

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
    const texts = [
      '-5 so‘m',
      '@home',
      '\tTab',
      '\rCR first',
      'a"b',
      'x,y',
      'line\nbreak',
      'crlf\r\nin',
      "'already",
      'Ўзбек тили',
      'plain',
      '+998',
      '==',
      'mid=dle',
    ];
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
});
