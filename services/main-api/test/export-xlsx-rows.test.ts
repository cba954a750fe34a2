/**
 * The API dump's XLSX (`raw=true`): its sheet rows are written by the database, and the rows whose
 * text needs XML escapes (or, on SQLite, whose stored values the API rewrites) by the JS writer.
 * For text of every kind (markup and control characters, emoji, white space at the ends, long
 * notes, empty text, Excel's own _xHHHH_ escapes) and across the export's pages, the sheet must be
 * the JS writer's (xlsx-writer.ts, unit-tested on its own) for the values the API shows
 * (GET /simcards/{id}), character for character, and read back by exceljs as those values.
 */
import { inflateRawSync } from 'node:zlib';
import { testDialect } from '@simcard/db/testing';
import ExcelJS from 'exceljs';
import { EXPORT_COLUMNS, leftRows } from '../src/services/export.js';
import { xlsxStream, type XlsxValue } from '../src/services/xlsx-writer.js';
import { TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;

/** The export's columns, in its order (export.test.ts pins that order against the contract). */
const COLUMNS = EXPORT_COLUMNS;

let batches = 0;
const uniqueBatch = () => `xlsxr-${process.pid}-${++batches}`;

/** Every sheet's rows as exceljs reads them (values by column, header included). */
async function readBack(file: Buffer): Promise<unknown[][][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as never);
  return wb.worksheets.map((sheet) => {
    const rows: unknown[][] = [];
    sheet.eachRow((row, n) => rows.push([n, ...(row.values as unknown[]).slice(1)]));
    return rows;
  });
}

/** One entry of a zip, found through its central directory (deflated entries only, as XLSX files hold). */
function zipEntry(zip: Buffer, name: string): string {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const local = zip.readUInt32LE(at + 42);
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      return inflateRawSync(zip.subarray(data, data + zip.readUInt32LE(at + 20))).toString('utf8');
    }
    at += 46 + nameLength + extra;
  }
  throw new Error(`${name}: not in the zip`);
}

const SHEET = 'xl/worksheets/sheet1.xml';

async function exported(batch: string): Promise<Buffer> {
  const res = await fetch(`${api.url}/simcards/export?raw=true&format=xlsx&batch_id=${batch}`, {
    headers: { authorization: `Bearer ${api.adminToken}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function apiSimcard(id: number): Promise<Record<string, unknown>> {
  const res = await fetch(`${api.url}/simcards/${id}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** Rows written by the JS writer alone (the API dump's sheet, as xlsx-writer.ts writes values), in pages. */
async function writerFile(rows: XlsxValue[][]): Promise<Buffer> {
  async function* pages(): AsyncGenerator<XlsxValue[][]> {
    for (let i = 0; i < rows.length; i += 700) yield rows.slice(i, i + 700);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of xlsxStream(pages(), { sheetName: 'SIM cards', header: COLUMNS, rowsPerSheet: 1_000_000, dateFormat: 'x' })) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The same SIMs written by the JS writer alone from the API's values: what the file must read back as. */
async function expectedFile(ids: number[], shops: Map<number, { code: string; name: string }>): Promise<Buffer> {
  const rows: XlsxValue[][] = [];
  for (const id of ids) {
    const sim = await apiSimcard(id);
    const shop = typeof sim.shop_id === 'number' ? shops.get(sim.shop_id) : undefined;
    rows.push(
      COLUMNS.map((c) => (c === 'shop_code' ? (shop?.code ?? null) : c === 'shop_name' ? (shop?.name ?? null) : (sim[c] as XlsxValue))),
    );
  }
  return writerFile(rows);
}

const TRICKY = [
  'a "quoted" note',
  '<b>bold</b> & co',
  'x > y',
  'ampersand & only',
  '📦 box 1 🇺🇿',
  'ctrl \u0001 \u0008 \u000b \u001f end',
  'nul \u0000 inside',
  'tab\tinside',
  'crlf\r\nin',
  'line\nbreak',
  ' leading space',
  'trailing space ',
  '_x0041_ looks escaped',
  '_X0041_ upper case',
  'pipe | and | more',
  'Ўзбек тили, Доʻкон',
  '=1+1',
  'non-char \uffff',
  '',
  'plain',
];

describe('the API dump as XLSX, rows written by the database', () => {
  test('text of every kind reads back as the JS writer writes it, on text columns of SIMs and shops', async () => {
    const batch = uniqueBatch();
    const tricky = await api.createShop({ name: 'Shop <&> "one" 📦' });
    const plain = await api.createShop({ name: 'Plain shop' });
    const shops = new Map([
      [tricky.id, { code: tricky.code, name: tricky.name }],
      [plain.id, { code: plain.code, name: plain.name }],
    ]);
    const ids: number[] = [];
    // PostgreSQL text cannot hold NUL: there that row holds another control character.
    const texts = TRICKY.map((t) => (testDialect() === 'postgres' ? t.replace('\u0000', '\u0002') : t));
    for (const [i, text] of texts.entries()) {
      const sim = await api.createSimcard({
        batch_id: batch,
        ...(i % 3 === 1 ? { shop_id: tricky.id } : i % 3 === 2 ? { shop_id: plain.id } : {}),
      });
      ids.push(sim.id);
      // Straight into the table: the API refuses some of these characters; older rows or other writers may hold them.
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ notes: text === '' ? '' : `${text} ${i}`, tariff: text, last_check_error: i % 2 ? text : null });
    }
    // The long free text the columns allow, plain and with one character to escape at its end.
    for (const notes of ['n'.repeat(20_000), `${'n'.repeat(20_000)}<`]) {
      const sim = await api.createSimcard({ batch_id: batch });
      ids.push(sim.id);
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ notes, last_check_error: 'e'.repeat(500) });
    }
    const file = await exported(batch);
    const expected = await expectedFile(ids, shops);
    // The same sheet, character for character: escapes, xml:space, cells left out.
    expect(zipEntry(file, SHEET)).toBe(zipEntry(expected, SHEET));
    const [got] = await readBack(file);
    const [want] = await readBack(expected);
    expect(got).toEqual(want);
    // Spot checks against the values themselves (not only the writer's): exceljs reads markup characters back as written.
    const byId = new Map(got!.slice(1).map((r) => [r[1], r]));
    const notesAt = COLUMNS.indexOf('notes') + 1;
    expect(byId.get(ids[1])![notesAt]).toBe('<b>bold</b> & co 1');
    expect(byId.get(ids[4])![notesAt]).toBe('📦 box 1 🇺🇿 4');
    expect(byId.get(ids[10])![notesAt]).toBe(' leading space 10');
    expect(byId.get(ids[TRICKY.length])![notesAt]).toBe('n'.repeat(20_000));
    expect(byId.get(ids[1])![COLUMNS.indexOf('shop_name') + 1]).toBe('Shop <&> "one" 📦');
    // An empty string leaves the cell out, as null does.
    expect(byId.get(ids[TRICKY.indexOf('')])![COLUMNS.indexOf('tariff') + 1]).toBeUndefined();
    // Rows numbered 2… in id order.
    expect(got!.map((r) => r[0])).toEqual(Array.from({ length: ids.length + 1 }, (_, i) => i + 1));
  });

  test("past the export's page size, with rows left to JS on several pages: every row once, numbered in order", async () => {
    const batch = uniqueBatch();
    const at = new Date().toISOString();
    const rows = Array.from({ length: 2_600 }, (_, i) => ({
      iccid: `8999866${String(process.pid % 1000).padStart(3, '0')}${String(i).padStart(9, '0')}`,
      batch_id: batch,
      status: 'in_stock',
      price: i % 5 === 0 ? null : 1000 + i,
      notes: i % 997 === 3 ? `a <${i}> & b` : i % 2 ? `note ${i}` : null,
      created_at: at,
      updated_at: at,
    }));
    for (let i = 0; i < rows.length; i += 400) await api.db('simcards').insert(rows.slice(i, i + 400));
    const ids: number[] = (await api.db('simcards').where({ batch_id: batch }).orderBy('id').select('id')).map((r: { id: number }) => r.id);
    const file = await exported(batch);
    const [got] = await readBack(file);
    expect(got).toHaveLength(rows.length + 1);
    expect(got!.map((r) => r[0])).toEqual(Array.from({ length: rows.length + 1 }, (_, i) => i + 1));
    expect(got!.slice(1).map((r) => r[1])).toEqual(ids);
    const notesAt = COLUMNS.indexOf('notes') + 1;
    expect(got!.slice(1).map((r) => r[notesAt] ?? null)).toEqual(rows.map((r) => r.notes));
    expect(got!.slice(1).map((r) => r[COLUMNS.indexOf('price') + 1] ?? null)).toEqual(rows.map((r) => r.price));
    // The whole sheet, against the JS writer given the values as inserted (the API shows them unchanged: one checked).
    const values = rows.map((r, i) =>
      COLUMNS.map((c) => (c === 'id' ? ids[i]! : (((r as Record<string, unknown>)[c] ?? null) as XlsxValue))),
    );
    const shown = await apiSimcard(ids[3]!);
    expect(values[3]).toEqual(COLUMNS.map((c) => (c === 'shop_code' || c === 'shop_name' ? null : shown[c])));
    expect(zipEntry(file, SHEET)).toBe(zipEntry(await writerFile(values), SHEET));
  });

  sqliteOnly('stored values the API rewrites (a date in another form, a real price) are exported as the API shows them', async () => {
    const batch = uniqueBatch();
    const sim = await api.createSimcard({ batch_id: batch, notes: 'older row' });
    const other = await api.createSimcard({ batch_id: batch, price: 100 });
    await api.db('simcards').where({ id: sim.id }).update({ created_at: '2026-01-02 03:04:05', price: 15000.5 });
    const shown = await apiSimcard(sim.id);
    expect(shown.created_at).toBe('2026-01-02T03:04:05.000Z');
    const file = await exported(batch);
    const expected = await expectedFile([sim.id, other.id], new Map());
    expect(zipEntry(file, SHEET)).toBe(zipEntry(expected, SHEET));
    const [got] = await readBack(file);
    const [want] = await readBack(expected);
    expect(got).toEqual(want);
    expect(got![1]![COLUMNS.indexOf('created_at') + 1]).toBe('2026-01-02T03:04:05.000Z');
    expect(got![1]![COLUMNS.indexOf('price') + 1]).toBe(15000.5);
  });
});

describe('leftRows: the check of the database-written page', () => {
  const row = (r: number, v = 'x') => `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>${v}</t></is></c></row>`;
  const left = (r: number, id: number) => `<row r="${r}" id="${id}"/>`;

  test('rows numbered in order, with the markers of rows left to JS and where they lie', () => {
    expect(leftRows(row(2) + row(3) + row(4), 2, 3)).toEqual([]);
    const text = row(5) + left(6, 77) + row(7) + left(8, 78);
    expect(leftRows(text, 5, 4)).toEqual([
      { r: 6, id: 77, start: row(5).length, end: row(5).length + left(6, 77).length },
      { r: 8, id: 78, start: text.length - left(8, 78).length, end: text.length },
    ]);
  });

  test.each([
    ['out of order', row(3) + row(2), 2, 2],
    ['a number skipped', row(2) + row(4), 2, 2],
    ['fewer rows than read', row(2), 2, 2],
    ['more rows than read', row(2) + row(3), 2, 1],
    ['not starting with a row', `x${row(2)}`, 2, 1],
    ['a row cut short', row(2).slice(0, -1), 2, 1],
    ['a bad marker', '<row r="2" id="x"/>', 2, 1],
    ['a marker not closed', '<row r="2" id="7">', 2, 1],
    ['other markup', `<rowx r="2">${row(2)}`, 2, 1],
  ])('not trusted: %s', (_label, text, firstRow, rows) => {
    expect(leftRows(text, firstRow, rows)).toBeNull();
  });
});
