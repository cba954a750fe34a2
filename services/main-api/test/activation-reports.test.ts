/**
 * POST /activation-reports (issue 15): an operator's activation report sells its SIMs on the
 * report's dates (source `report`), credited and announced once; each discrepancy kind is
 * produced and listed (paginated, CSV); a replay changes and announces nothing; dates are read
 * as operators write them, in the dealer's time zone; staff are refused.
 */
import { appendCheckDigit, dealerDayBounds } from '@simcard/common';
import ExcelJS from 'exceljs';
import { buildZip, XLSX_TYPE } from '../../../tests/fixtures/hostile/generate.js';
import { parseActivationDate } from '../src/import/report-file.js';
import { TestApi } from './support/harness.js';
import { multipart } from './support/import-helpers.js';

const TZ = 'Asia/Tashkent';
let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start({
    WEBHOOK_URLS: 'http://127.0.0.1:9/hooks',
    WEBHOOK_SECRET: 'a-secret-of-32-bytes-for-tests!!',
    TIME_ZONE: TZ,
  });
});
afterAll(() => api.close());

let n = 0;
/** ICCIDs from a range of this file's own. */
function iccid(): string {
  return appendCheckDigit(`8999803${String(process.pid % 10000).padStart(4, '0')}${String(++n).padStart(7, '0')}`);
}
let m = 0;
function msisdn(): string {
  return `+99890${String(process.pid % 100).padStart(2, '0')}${String(++m).padStart(5, '0')}`;
}

function post(csv: string, query = '', headers: Record<string, string> = {}, token?: string) {
  return api.request('POST', `/activation-reports${query ? `?${query}` : ''}`, {
    rawBody: csv,
    token,
    headers: { 'content-type': 'text/csv', ...headers },
  });
}

async function count(table: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = (await api.db(table).where(where).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

async function sim(fields: Record<string, unknown>) {
  const created = await api.createSimcard({ iccid: iccid(), operator: 'beeline', ...fields });
  return created as { id: number; iccid: string; msisdn: string | null };
}

async function assign(id: number, shopId: number, assignedAt: string) {
  await api.db('simcards').where({ id }).update({ shop_id: shopId, status: 'assigned', assigned_at: assignedAt });
}

describe('parseActivationDate', () => {
  const now = Date.parse('2026-12-03T09:00:00Z');
  test.each([
    ['30.11.2026', '2026-11-29T19:00:00.000Z', '2026-11-30'],
    ['30.11.2026 14:05', '2026-11-30T09:05:00.000Z', '2026-11-30'],
    ['2026-11-30', '2026-11-29T19:00:00.000Z', '2026-11-30'],
    ['2026-11-30T14:05:00', '2026-11-30T09:05:00.000Z', '2026-11-30'],
    ['2026-11-30T22:30:00Z', '2026-11-30T22:30:00.000Z', '2026-12-01'],
    ['2026-11-30T14:05:00+03:00', '2026-11-30T11:05:00.000Z', '2026-11-30'],
    ['2026-11-30T14:05:00.250+0300', '2026-11-30T11:05:00.250Z', '2026-11-30'],
    ['2026-11-30 14:05:07.5', '2026-11-30T09:05:07.500Z', '2026-11-30'],
  ])('%s → %s (dealer day %s)', (text, at, day) => {
    expect(parseActivationDate(text, TZ, now)).toEqual({ ok: true, at, day });
  });

  test('an Excel date cell (serial day) is the dealer’s wall time', () => {
    // 46356 = 2026-11-30; .5 = noon
    expect(parseActivationDate(46356.5, TZ, now)).toEqual({ ok: true, at: '2026-11-30T07:00:00.000Z', day: '2026-11-30' });
  });

  test('an Excel date cell of a workbook in the 1904 date system counts its days from 1904-01-01', () => {
    // The same noon of 30 November 2026: 1,462 days fewer in the 1904 system.
    expect(parseActivationDate(44894.5, TZ, now, 1904)).toEqual({ ok: true, at: '2026-11-30T07:00:00.000Z', day: '2026-11-30' });
    expect(parseActivationDate(44894.5, TZ, now)).toMatchObject({ ok: true, day: '2022-11-29' });
  });

  test.each(['31.02.2026', 'yesterday', '2026-13-01', '05.12.2026', ''])('%j is refused with a reason', (text) => {
    const r = parseActivationDate(text, TZ, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/activation date/);
  });
});

describe('POST /activation-reports', () => {
  test('sells the report’s SIMs on its dates, lists every discrepancy kind, and a replay changes and announces nothing', async () => {
    const shop = await api.createShop();
    const clean = await sim({ msisdn: msisdn() });
    await assign(clean.id, shop.id, '2026-11-01T08:00:00.000Z');
    const inStock = await sim({});
    const early = await sim({});
    await assign(early.id, shop.id, '2026-11-29T10:00:00.000Z');
    const otherNumber = await sim({ msisdn: msisdn() });
    await assign(otherNumber.id, shop.id, '2026-11-01T08:00:00.000Z');
    const soldBefore = await sim({});
    await assign(soldBefore.id, shop.id, '2026-11-01T08:00:00.000Z');
    await api
      .db('simcards')
      .where({ id: soldBefore.id })
      .update({ status: 'sold', sold_at: '2026-11-20T07:00:00.000Z', activated_at: '2026-11-20T07:00:00.000Z' });
    const ucell = await sim({ operator: 'ucell' });
    const unknown = iccid();
    const csv = [
      'ICCID raqami;Дата активации;Номер телефона;Тариф',
      `${clean.iccid};30.11.2026 14:05;${clean.msisdn};Start`,
      `${inStock.iccid};30.11.2026;;`,
      `${early.iccid};2026-11-28;;`,
      `${otherNumber.iccid};30.11.2026;+998901112233;`,
      `${soldBefore.iccid};25.11.2026;;`,
      `${ucell.iccid};30.11.2026;;`,
      `${unknown};30.11.2026;;`,
      `${clean.iccid.slice(0, -1)}x;30.11.2026;;`,
      `${clean.iccid};not a date;;`,
    ].join('\r\n');

    const dry = await post(csv, 'operator=beeline&dry_run=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ id: null, dry_run: true, sold: 4, already_sold: 1 });
    expect(await count('activation_reports')).toBe(0);
    expect((await api.db('simcards').where({ id: clean.id }).first()).status).toBe('assigned');

    const res = await post(csv, 'operator=beeline', { 'Idempotency-Key': 'report-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dry_run: false, operator: 'beeline', rows_total: 9, sold: 4, already_sold: 1, uploaded_by: 'admin' });
    expect(res.body.counts).toEqual({
      unknown_iccid: 1,
      activated_in_stock: 1,
      sold_on_other_date: 1,
      other_msisdn: 1,
      other_operator: 1,
      activated_before_assignment: 1,
      invalid_row: 2,
    });
    const kinds = Object.fromEntries(
      (res.body.discrepancies as Array<{ kind: string; iccid: string; line: number }>).map((d) => [`${d.kind}`, d]),
    );
    expect(kinds.unknown_iccid).toMatchObject({ iccid: unknown, line: 8 });
    expect(kinds.activated_in_stock).toMatchObject({ iccid: inStock.iccid, line: 3 });
    expect(kinds.activated_before_assignment).toMatchObject({ iccid: early.iccid });
    expect(kinds.other_msisdn).toMatchObject({ iccid: otherNumber.iccid });
    expect(kinds.sold_on_other_date).toMatchObject({ iccid: soldBefore.iccid });
    expect(kinds.other_operator).toMatchObject({ iccid: ucell.iccid });

    const sold = await api.db('simcards').where({ id: clean.id }).first();
    expect(sold).toMatchObject({ status: 'sold', sale_source: 'report' });
    expect(new Date(sold.sold_at).toISOString()).toBe('2026-11-30T09:05:00.000Z');
    const stockSold = await api.db('simcards').where({ id: inStock.id }).first();
    expect(new Date(stockSold.sold_at).toISOString()).toBe(dealerDayBounds('2026-11-30', TZ).from);
    // Another operator's SIM is listed, not sold; the earlier sale keeps its date.
    expect((await api.db('simcards').where({ id: ucell.id }).first()).status).toBe('in_stock');
    expect(new Date((await api.db('simcards').where({ id: soldBefore.id }).first()).sold_at).toISOString()).toBe(
      '2026-11-20T07:00:00.000Z',
    );
    // Credited to the shop (the earlier sale and three from the report; the stock SIM has none).
    const credited = async () => Number(((await api.db('shop_sales_totals').where({ shop_id: shop.id }).first()) as { sold: number }).sold);
    expect(await credited()).toBe(4);
    // Announced once each: one outbox delivery and one live-feed row per sale.
    expect(await count('notification_deliveries')).toBe(4);
    expect(await count('status_check_logs', { sale: true, source: 'report' })).toBe(4);

    // The same request again: the first answer, nothing new.
    const replay = await post(csv, 'operator=beeline', { 'Idempotency-Key': 'report-1' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(res.body);
    // The same file without the key: kept as a report, but nothing is sold or announced again.
    const again = await post(csv, 'operator=beeline');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sold: 0, already_sold: 5 });
    expect(again.body.counts).toMatchObject({ sold_on_other_date: 1, activated_in_stock: 0, activated_before_assignment: 0 });
    expect(await count('notification_deliveries')).toBe(4);
    expect(await count('status_check_logs', { sale: true })).toBe(4);
    expect(await count('activation_reports')).toBe(2);
    expect(await credited()).toBe(4);

    // The kept report and its discrepancies, paginated and as CSV.
    const one = await api.get(`/activation-reports/${res.body.id}`);
    expect(one.body).toMatchObject({ id: res.body.id, sold: 4, discrepancy_count: 8, uploaded_by: 'admin', operator: 'beeline' });
    const list = await api.get('/activation-reports?limit=1');
    expect(list.body).toMatchObject({ total: 2, limit: 1 });
    const page1 = await api.get(`/activation-reports/${res.body.id}/discrepancies?limit=5`);
    const page2 = await api.get(`/activation-reports/${res.body.id}/discrepancies?limit=5&offset=5`);
    expect(page1.body.total).toBe(8);
    expect(page1.body.data).toHaveLength(5);
    expect(page2.body.data).toHaveLength(3);
    expect(new Set([...page1.body.data, ...page2.body.data].map((d: { kind: string }) => d.kind)).size).toBe(7);
    const onlyUnknown = await api.get(`/activation-reports/${res.body.id}/discrepancies?kind=unknown_iccid`);
    expect(onlyUnknown.body.data).toEqual([expect.objectContaining({ iccid: unknown, reason: expect.any(String), ours: null })]);
    const csvExport = await api.get(`/activation-reports/${res.body.id}/discrepancies?format=csv`);
    expect(csvExport.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csvExport.text.trim().split('\r\n')).toHaveLength(9);
    expect(csvExport.text).toContain(unknown);
  });

  test('English headers, the operator column, missing check digits and Excel’s 8.99E+18', async () => {
    const a = await sim({ operator: 'ucell' });
    const csv = ['iccid,activation date,operator', `${a.iccid.slice(0, -1)},2026-11-30 10:00,Ucell`, '8.99E+18,2026-11-30,ucell'].join(
      '\n',
    );
    const res = await post(csv, 'check_digit=absent');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sold: 1, operator: null });
    expect(res.body.counts.invalid_row).toBe(1);
    expect(res.body.discrepancies[0].reason).toMatch(/Excel/);
    expect((await api.db('simcards').where({ id: a.id }).first()).status).toBe('sold');
  });

  test('an XLSX report: text ICCIDs and real Excel date cells', async () => {
    const a = await sim({});
    await assign(a.id, (await api.createShop()).id, '2026-11-01T08:00:00.000Z');
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Report');
    sheet.addRow(['Номер ICCID', 'Дата активации', 'Оператор']);
    // ExcelJS stores a Date as its UTC wall time: the cell reads 30.11.2026 12:00 in Excel.
    sheet.addRow([a.iccid, new Date(Date.UTC(2026, 10, 30, 12, 0)), 'Билайн']);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const res = await api.request('POST', '/activation-reports', {
      rawBody: xlsx,
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sold: 1, discrepancy_count: 0, format: 'xlsx' });
    expect(new Date((await api.db('simcards').where({ id: a.id }).first()).sold_at).toISOString()).toBe('2026-11-30T07:00:00.000Z');
  });

  /** A dry run of an XLSX report of one unknown ICCID: its discrepancy shows the date as read. */
  async function dateReadFrom(xlsx: Buffer): Promise<unknown> {
    const res = await api.request('POST', '/activation-reports?operator=beeline&dry_run=true', {
      rawBody: xlsx,
      headers: { 'content-type': XLSX_TYPE },
    });
    expect(res.status).toBe(200);
    expect(res.body.discrepancies).toHaveLength(1);
    expect(res.body.discrepancies[0]).toMatchObject({ kind: 'unknown_iccid' });
    return res.body.discrepancies[0].report.activated_at;
  }

  test.each([false, true])(
    'an XLSX date cell reads as the date Excel shows, in the 1900 and in the 1904 date system (Mac Excel; date1904 %s)',
    async (date1904) => {
      const book = new ExcelJS.Workbook();
      book.properties.date1904 = date1904;
      const sheet = book.addWorksheet('Report');
      sheet.addRow(['ICCID', 'Activation date']);
      // The cell reads 30.11.2026 12:00 in Excel (ExcelJS writes the serial in the book's system).
      sheet.addRow([iccid(), new Date(Date.UTC(2026, 10, 30, 12, 0))]);
      expect(await dateReadFrom(Buffer.from(await book.xlsx.writeBuffer()))).toBe('2026-11-30T07:00:00.000Z');
    },
  );

  test.each([
    ['date1904="true"', '44894.5'],
    ['date1904="1"', '44894.5'],
    ['date1904="false"', '46356.5'],
    ['date1904="0"', '46356.5'],
    ['no date1904', '46356.5'],
  ])('a workbook whose workbookPr says %s reads its serial %s as 30.11.2026 12:00', async (said, serial) => {
    const flag = said.startsWith('no ') ? '' : said;
    const part = (xml: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${xml}`);
    const main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const rels = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    const xlsx = buildZip([
      {
        name: '[Content_Types].xml',
        data: part(
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>',
        ),
      },
      {
        name: '_rels/.rels',
        data: part(
          `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
        ),
      },
      {
        name: 'xl/workbook.xml',
        data: part(
          `<workbook ${main} xmlns:r="${rels}"><workbookPr ${flag} defaultThemeVersion="164011"/><sheets><sheet name="R" sheetId="1" r:id="rId1"/></sheets></workbook>`,
        ),
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: part(
          `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
        ),
      },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: part(
          `<worksheet ${main}><sheetData><row r="1"><c t="inlineStr"><is><t>iccid</t></is></c><c t="inlineStr"><is><t>activation date</t></is></c></row>` +
            `<row r="2"><c t="inlineStr"><is><t>${iccid()}</t></is></c><c s="1"><v>${serial}</v></c></row></sheetData></worksheet>`,
        ),
      },
    ]);
    expect(await dateReadFrom(xlsx)).toBe('2026-11-30T07:00:00.000Z');
  });

  test('a multipart upload is read as the file it carries', async () => {
    const a = await sim({});
    const { body, contentType } = multipart('beeline-nov.csv', `iccid;дата\n${a.iccid};01.12.2026\n`, 'text/csv');
    const res = await api.request('POST', '/activation-reports?operator=beeline', {
      rawBody: body,
      headers: { 'content-type': contentType },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sold: 1, file_name: 'beeline-nov.csv' });
  });

  test('a report of several batches (compared 2,500 rows, sold 5,000 SIMs at a time): every batch compared, discrepancies in order, each sale announced once', async () => {
    const shop = await api.createShop();
    const sims = Array.from({ length: 10_050 }, () => iccid());
    const imported = await api.request('POST', `/simcards/bulk?shop_id=${shop.id}`, {
      rawBody: ['iccid,operator', ...sims.map((i) => `${i},beeline`)].join('\n'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.body).toMatchObject({ inserted: sims.length });
    const deliveriesBefore = await count('notification_deliveries');
    const at = new Date().toISOString();
    const lines = ['iccid;activation date', ...sims.map((i) => `${i};${at}`)];
    // The first batch and the last have an unknown ICCID and an unreadable row each.
    const unknown = [iccid(), iccid()];
    lines.splice(5, 0, `${unknown[0]};${at}`);
    lines.splice(9, 0, `${sims[3]!.slice(0, -1)}x;${at}`);
    lines.splice(10_040, 0, `${unknown[1]};${at}`);
    lines.splice(10_045, 0, `${sims[4]!};not a date`);
    const res = await post(lines.join('\n'), 'operator=beeline');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows_total: sims.length + 4, sold: sims.length, already_sold: 0, discrepancy_count: 4 });
    // The unreadable rows first, then the others in the file's order, as one list whatever the batch.
    expect(res.body.discrepancies.map((d: { line: number; kind: string }) => [d.line, d.kind])).toEqual([
      [10, 'invalid_row'],
      [10_046, 'invalid_row'],
      [6, 'unknown_iccid'],
      [10_041, 'unknown_iccid'],
    ]);
    expect(await count('simcards', { shop_id: shop.id, status: 'sold', sale_source: 'report' })).toBe(sims.length);
    // Announced chunk by chunk inside the sale: one delivery and one live-feed row per SIM sold.
    expect((await count('notification_deliveries')) - deliveriesBefore).toBe(sims.length);
    const logged = await api
      .db('status_check_logs as l')
      .join('simcards as s', 's.id', 'l.simcard_id')
      .where({ 's.shop_id': shop.id, 'l.source': 'report', 'l.sale': true })
      .count({ n: '*' })
      .first();
    expect(Number((logged as { n: number | string }).n)).toBe(sims.length);
  }, 60_000);

  test('a file without an activation date column is refused with the reason', async () => {
    const res = await post('iccid,msisdn\n8999803000000000000,\n');
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/activation date/);
  });

  test('staff may not bring in or read reports (403)', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    expect((await post(`iccid,date\n${iccid()},30.11.2026\n`, '', {}, token)).status).toBe(403);
    expect((await api.get('/activation-reports', { token })).status).toBe(403);
    expect((await api.get('/activation-reports/1', { token })).status).toBe(403);
    expect((await api.get('/activation-reports/1/discrepancies', { token })).status).toBe(403);
  });
});
