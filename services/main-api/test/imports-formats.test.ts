/**
 * Files as people really save them: Windows-1251 with semicolons from Russian Excel, UTF-8 with
 * a BOM and Uzbek headers, no header at all, quoted values spanning lines, gzip, and XLSX
 * workbooks (built here with exceljs) uploaded as multipart or sent raw.
 */
import { gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { TestApi } from './support/harness.js';
import { importIccid, importMsisdn, invalidLines, multipart, postCsv, postImport } from './support/import-helpers.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('SIM');
  for (const row of rows) sheet.addRow(row);
  wb.addWorksheet('Notes').addRow(['not SIMs', importIccid()]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('CSV encodings, delimiters and headers', () => {
  test('Windows-1251 with semicolons and Russian headers, as Russian-locale Excel saves it', async () => {
    const iccid = importIccid();
    const csv = ['Номер ICCID;Телефон;Оператор;Тариф;Цена', `${iccid};${importMsisdn()};Билайн;Безлимит Плюс;25 000`, '8,99E+18;;;;'].join(
      '\r\n',
    );
    const bytes = iconv.encode(csv, 'win1251');
    expect(bytes.includes(Buffer.from('Номер', 'utf8'))).toBe(false);
    const res = await postCsv(api, bytes);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 2, inserted: 1, invalid_rows: 1 });
    expect(invalidLines(res)).toEqual(['3:iccid']);
    expect(res.body.invalid[0].reason).toMatch(/Excel/);
    expect(await api.db('simcards').where({ iccid }).first()).toMatchObject({ tariff: 'Безлимит Плюс', operator: 'beeline', price: 25000 });
  });

  test('UTF-8 with a BOM and Uzbek headers in any case', async () => {
    const iccid = importIccid();
    const csv = `\uFEFFICCID RAQAMI,Telefon raqami,Operator,Tarif,Narx (so'm)\n${iccid},${importMsisdn('94')},ucell,Oʻzbekiston,"10 500"\n`;
    const res = await postCsv(api, Buffer.from(csv, 'utf8'));
    expect(res.body).toMatchObject({ received: 1, inserted: 1, invalid_rows: 0 });
    expect(await api.db('simcards').where({ iccid }).first()).toMatchObject({ operator: 'ucell', tariff: 'Oʻzbekiston', price: 10500 });
  });

  test('other aliases: айсиайди, номер, raqam; an unknown column is ignored with a warning', async () => {
    const iccid = importIccid();
    const res = await postCsv(api, `айсиайди;номер;Комментарий\n${iccid};${importMsisdn()};привет\n`);
    expect(res.body).toMatchObject({ inserted: 1, warning_count: 1 });
    expect(res.body.warnings[0]).toMatchObject({ line: 1, field: 'Комментарий' });
    const again = await postCsv(api, `ICCID,raqam\n${importIccid()},${importMsisdn()}\n`);
    expect(again.body.inserted).toBe(1);
  });

  test('a file without a header is read as iccid, msisdn, operator, tariff, price from line 1', async () => {
    const iccid = importIccid();
    const res = await postCsv(api, `${iccid};${importMsisdn()};beeline;Start;1000\n123;;;;\n`);
    expect(res.body).toMatchObject({ received: 2, inserted: 1 });
    expect(invalidLines(res)).toEqual(['2:iccid']);
    expect(await api.db('simcards').where({ iccid }).first()).toMatchObject({ tariff: 'Start', price: 1000 });
  });

  test('a quoted value spanning lines does not shift the line numbers after it', async () => {
    const csv = ['iccid,tariff', `${importIccid()},"two`, `lines"`, 'bad,x'].join('\n');
    const res = await postCsv(api, csv);
    expect(res.body).toMatchObject({ received: 2, inserted: 1 });
    expect(invalidLines(res)).toEqual(['4:iccid']);
  });

  test('a gzip-compressed CSV is accepted', async () => {
    const body = gzipSync(Buffer.from(`iccid\n${importIccid()}\n${importIccid()}\n`));
    const res = await postCsv(api, body, '', { headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.body.inserted).toBe(2);
  });

  test('an XLSX workbook sent as text/csv is refused with a 400 that says what it is', async () => {
    const res = await postCsv(api, await workbook([['iccid'], [importIccid()]]));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/XLSX/);
  });
});

describe('multipart uploads', () => {
  test('a CSV file keeps its file name in the history', async () => {
    const { body, contentType } = multipart('январь.csv', `iccid\n${importIccid()}\n`, 'text/csv');
    const res = await postImport(api, body, contentType);
    expect(res.status).toBe(200);
    expect(res.body.inserted).toBe(1);
    const history = await api.get(`/imports/${res.body.import_id}`);
    expect(history.body).toMatchObject({ file_name: 'январь.csv', format: 'csv' });
  });

  test('an XLSX file: text ICCIDs imported, a numeric (Excel-mangled) ICCID reported by its row number', async () => {
    const [a, b] = [importIccid(), importIccid()];
    const file = await workbook([
      ['ICCID', 'Telefon', 'Operator', 'Narx'],
      [a, importMsisdn(), 'beeline', 15000],
      [],
      [Number(b), null, null, null],
      [b, Number(importMsisdn().slice(1)), 'Ucell', '7 000'],
    ]);
    const { body, contentType } = multipart('sims.xlsx', file, XLSX_TYPE);
    const res = await postImport(api, body, contentType);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 3, inserted: 2, invalid_rows: 1 });
    expect(invalidLines(res)).toEqual(['4:iccid']);
    expect(res.body.invalid[0].reason).toMatch(/Excel/);
    expect(await api.db('simcards').where({ iccid: a }).first()).toMatchObject({ price: 15000, operator: 'beeline' });
    expect(await api.db('simcards').where({ iccid: b }).first()).toMatchObject({ price: 7000, operator: 'ucell' });
    expect((await api.get(`/imports/${res.body.import_id}`)).body.format).toBe('xlsx');
  });

  test('an XLSX body sent raw with its content type', async () => {
    const res = await postImport(api, await workbook([['iccid'], [importIccid()]]), XLSX_TYPE, 'file_name=raw.xlsx');
    expect(res.body.inserted).toBe(1);
  });

  test('a broken XLSX is a 400, not a 500', async () => {
    const { body, contentType } = multipart('broken.xlsx', Buffer.from('PK\u0003\u0004 not really a zip'), XLSX_TYPE);
    const res = await postImport(api, body, contentType);
    expect(res.status).toBe(400);
  });

  test('an old .xls file is refused with a 400 naming .xlsx', async () => {
    const { body, contentType } = multipart('old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), 'application/vnd.ms-excel');
    const res = await postImport(api, body, contentType);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/\.xlsx/);
  });

  test('an upload without a file is a 400', async () => {
    const boundary = 'xyz';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}--\r\n`;
    const res = await postImport(api, body, `multipart/form-data; boundary=${boundary}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('file');
  });
});
