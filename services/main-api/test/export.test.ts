/**
 * `GET /simcards/export`: CSV and XLSX downloads with the list's filters, parsed back here; staff
 * confined to their shop; every matching row exactly once, across the export's internal pages.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { makeIccid, makeMsisdn, TestApi } from './support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

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
];

let batchCounter = 0;
function uniqueBatch(): string {
  return `exp-${process.pid}-${++batchCounter}`;
}

interface Download {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function download(query: string, token: string = api.adminToken): Promise<Download> {
  // The API dump (raw=true): these tests pin its columns and values; export-people.test.ts checks the files for people.
  const res = await fetch(`${api.url}/simcards/export?raw=true&${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The CSV as records keyed by header; the BOM is checked and removed first. */
function csvRecords(file: Download): Record<string, string>[] {
  expect(file.body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  const rows: string[][] = parse(file.body.subarray(3).toString('utf8'));
  expect(rows[0]).toEqual(COLUMNS);
  return rows.slice(1).map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]!])));
}

async function xlsxRows(file: Download): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file.body as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

async function csvIccids(query: string, token?: string): Promise<string[]> {
  const file = await download(query, token);
  expect(file.status).toBe(200);
  return csvRecords(file)
    .map((r) => r.iccid!)
    .sort();
}

describe('GET /simcards/export?format=csv', () => {
  test('a UTF-8 CSV attachment with a header row and one row per SIM, values as the API shows them', async () => {
    const batch = uniqueBatch();
    const shop = await api.createShop({ name: 'Chilonzor Do‘kon' });
    const inShop = await api.createSimcard({
      batch_id: batch,
      msisdn: makeMsisdn('90'),
      operator: 'beeline',
      tariff: 'Oddiy',
      price: 15000,
      shop_id: shop.id,
      notes: 'Примечание',
    });
    const inStock = await api.createSimcard({ batch_id: batch });
    const file = await download(`batch_id=${batch}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="simcards-\d{4}-\d{2}-\d{2}\.csv"$/);
    const records = csvRecords(file);
    expect(records).toEqual([
      {
        id: String(inShop.id),
        iccid: inShop.iccid,
        msisdn: inShop.msisdn,
        operator: 'beeline',
        tariff: 'Oddiy',
        price: '15000',
        batch_id: batch,
        status: 'assigned',
        provider_status: '',
        shop_id: String(shop.id),
        shop_code: shop.code,
        shop_name: 'Chilonzor Do‘kon',
        assigned_at: inShop.assigned_at,
        activated_at: '',
        sold_at: '',
        last_checked_at: '',
        last_check_error: '',
        notes: 'Примечание',
        created_at: inShop.created_at,
        updated_at: inShop.updated_at,
      },
      expect.objectContaining({
        id: String(inStock.id),
        iccid: inStock.iccid,
        status: 'in_stock',
        shop_id: '',
        shop_code: '',
        shop_name: '',
      }),
    ]);
  });

  test('honours the list filters: status, shop_id, operator and q (ICCID or phone prefix), combined', async () => {
    const batch = uniqueBatch();
    const [a, b] = [await api.createShop(), await api.createShop()];
    const sims = {
      aBeeline: await api.createSimcard({ batch_id: batch, shop_id: a.id, operator: 'beeline', msisdn: makeMsisdn('90') }),
      aUcell: await api.createSimcard({ batch_id: batch, shop_id: a.id, operator: 'ucell' }),
      bBeeline: await api.createSimcard({ batch_id: batch, shop_id: b.id, operator: 'beeline' }),
      stock: await api.createSimcard({ batch_id: batch, operator: 'beeline' }),
    };
    const iccids = (...keys: (keyof typeof sims)[]) => keys.map((k) => sims[k].iccid).sort();
    expect(await csvIccids(`batch_id=${batch}`)).toEqual(iccids('aBeeline', 'aUcell', 'bBeeline', 'stock'));
    expect(await csvIccids(`batch_id=${batch}&shop_id=${a.id}`)).toEqual(iccids('aBeeline', 'aUcell'));
    expect(await csvIccids(`batch_id=${batch}&status=in_stock`)).toEqual(iccids('stock'));
    expect(await csvIccids(`batch_id=${batch}&operator=beeline&status=assigned`)).toEqual(iccids('aBeeline', 'bBeeline'));
    expect(await csvIccids(`batch_id=${batch}&q=${sims.aBeeline.msisdn.slice(4)}`)).toEqual(iccids('aBeeline'));
    expect(await csvIccids(`batch_id=${batch}&q=${sims.aUcell.iccid}`)).toEqual(iccids('aUcell'));
  });

  test('every matching SIM exactly once and in id order, past the page size the export reads in', async () => {
    const batch = uniqueBatch();
    const at = new Date().toISOString();
    const rows = Array.from({ length: 5_150 }, (_, i) => ({
      iccid: makeIccid(50_000_000 + i),
      batch_id: batch,
      status: 'in_stock',
      created_at: at,
      updated_at: at,
    }));
    for (let i = 0; i < rows.length; i += 400) await api.db('simcards').insert(rows.slice(i, i + 400));
    const records = csvRecords(await download(`batch_id=${batch}`));
    expect(records).toHaveLength(rows.length);
    const ids = records.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(records.map((r) => r.iccid))).toEqual(new Set(rows.map((r) => r.iccid)));
  });

  test('free text that a spreadsheet would run as a formula is prefixed with an apostrophe', async () => {
    const batch = uniqueBatch();
    await api.createSimcard({ batch_id: batch, notes: '=HYPERLINK("http://evil","x")', tariff: '+tariff' });
    const [record] = csvRecords(await download(`batch_id=${batch}`));
    expect(record).toMatchObject({ notes: `'=HYPERLINK("http://evil","x")`, tariff: "'+tariff" });
  });

  test('text with commas, double quotes and line breaks reads back exactly', async () => {
    const batch = uniqueBatch();
    const notes = 'Box 3, shelf "B"\r\nsecond line\nthird; ok';
    await api.createSimcard({ batch_id: batch, notes, tariff: 'a,b' });
    const [record] = csvRecords(await download(`batch_id=${batch}`));
    expect(record).toMatchObject({ notes, tariff: 'a,b', batch_id: batch });
  });

  test('no match: just the header row', async () => {
    expect(csvRecords(await download(`batch_id=${uniqueBatch()}`))).toEqual([]);
  });
});

describe('GET /simcards/export?format=xlsx', () => {
  test('an XLSX attachment that Excel (exceljs) reads back: header row, ICCIDs kept as text, text as given', async () => {
    const batch = uniqueBatch();
    const shop = await api.createShop();
    const sim = await api.createSimcard({ batch_id: batch, msisdn: makeMsisdn('93'), shop_id: shop.id, price: 12000, notes: '=1+1' });
    const other = await api.createSimcard({ batch_id: batch });
    const file = await download(`batch_id=${batch}&format=xlsx`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="simcards-\d{4}-\d{2}-\d{2}\.xlsx"$/);
    const rows = await xlsxRows(file);
    expect(rows[0]).toEqual(COLUMNS);
    expect(rows).toHaveLength(3);
    const first = Object.fromEntries(COLUMNS.map((c, i) => [c, rows[1]![i]]));
    expect(first).toMatchObject({
      id: sim.id,
      iccid: sim.iccid,
      msisdn: sim.msisdn,
      price: 12000,
      shop_id: shop.id,
      shop_code: shop.code,
      status: 'assigned',
      notes: '=1+1',
    });
    expect(typeof first.iccid).toBe('string');
    expect(rows[2]![1]).toBe(other.iccid);
  });
});

describe('GET /simcards/export: who sees what, and bad input', () => {
  test('staff get their own shop only, without asking; asking for another shop is a 404', async () => {
    const batch = uniqueBatch();
    const [mine, theirs] = [await api.createShop(), await api.createShop()];
    const { token } = await api.createStaff(mine.id);
    const own = await api.createSimcard({ batch_id: batch, shop_id: mine.id });
    await api.createSimcard({ batch_id: batch, shop_id: theirs.id });
    await api.createSimcard({ batch_id: batch });
    expect(await csvIccids(`batch_id=${batch}`, token)).toEqual([own.iccid]);
    expect(await csvIccids(`batch_id=${batch}&shop_id=${mine.id}`, token)).toEqual([own.iccid]);
    const xlsx = await xlsxRows(await download(`batch_id=${batch}&format=xlsx`, token));
    expect(xlsx.slice(1).map((r) => r[1])).toEqual([own.iccid]);
    expect((await download(`batch_id=${batch}&shop_id=${theirs.id}`, token)).status).toBe(404);
  });

  test.each([
    ['an unknown format', 'format=pdf', 'format'],
    ['paging parameters (an export is every match)', 'limit=10', 'limit'],
    ['a bad status', 'status=lost', 'status'],
  ])('%s is a 400 naming the parameter', async (_label, query, field) => {
    const res = await api.get(`/simcards/export?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  test('without a token: 401', async () => {
    expect((await api.get('/simcards/export', { token: null })).status).toBe(401);
  });
});
