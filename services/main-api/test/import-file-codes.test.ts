/**
 * A file the import cannot read as a whole is refused with a detail on it that carries a stable
 * `code` and `params` (services/main-api/src/import/file-problem-codes.ts), as row reasons do,
 * so the import screen says what is wrong in the person's language; the error's top-level code
 * and English message stay as they were, for API users.
 */
import {
  buildZip,
  gzipBomb,
  invalidUtf8Csv,
  multipartWithoutEnd,
  simpleXlsx,
  truncated,
  XLSX_TYPE,
} from '../../../tests/fixtures/hostile/generate.js';
import { FILE_PROBLEM_CODES } from '../src/import/file-problem-codes.js';
import { type ApiResponse, TestApi } from './support/harness.js';
import { importIccid, multipart, postImport } from './support/import-helpers.js';

let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(async () => {
  await api?.close();
});

/** The refusal's one detail with a file problem code; its status and top-level code checked. */
function fileProblem(res: ApiResponse, status: number, errorCode: string) {
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code: errorCode });
  const details = (res.body.error.details as { code?: string }[]).filter((d) => d.code?.startsWith('file.'));
  expect(details).toHaveLength(1);
  const detail = details[0] as { code: string; params?: Record<string, unknown>; reason: string };
  expect(FILE_PROBLEM_CODES).toContain(detail.code);
  expect(detail.reason.length).toBeGreaterThan(0); // the English stays
  return detail;
}

const workbook = (sheet: string) =>
  buildZip([
    { name: 'xl/workbook.xml', data: Buffer.from('<workbook><sheets><sheet name="a" sheetId="1"/></sheets></workbook>') },
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(sheet) },
  ]);

describe('file-level import errors carry a code and params', () => {
  test('an XLSX cut short is file.truncated (400 truncated_file), also inside multipart', async () => {
    const cut = truncated(simpleXlsx([['iccid'], [importIccid()], [importIccid()]]), 0.6);
    expect(fileProblem(await postImport(api, cut, XLSX_TYPE), 400, 'truncated_file')).toMatchObject({
      code: 'file.truncated',
      field: 'file',
    });
    const { body, contentType } = multipart('sims.xlsx', cut, XLSX_TYPE);
    expect(fileProblem(await postImport(api, body, contentType), 400, 'truncated_file').code).toBe('file.truncated');
  });

  test('a multipart upload without its closing boundary is file.multipart_cut', async () => {
    const { body, contentType } = multipartWithoutEnd('sims.csv', Buffer.from(`iccid\n${importIccid()}\n`), 'text/csv');
    expect(fileProblem(await postImport(api, body, contentType), 400, 'malformed_multipart').code).toBe('file.multipart_cut');
  });

  test('a multipart upload with no file is file.missing; an old .xls is file.xls', async () => {
    const empty = Buffer.from('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n');
    expect(fileProblem(await postImport(api, empty, 'multipart/form-data; boundary=b'), 400, 'missing_file').code).toBe('file.missing');
    const xls = multipart('sims.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), 'application/vnd.ms-excel');
    expect(fileProblem(await postImport(api, xls.body, xls.contentType), 400, 'unsupported_file').code).toBe('file.xls');
  });

  test('a zip that is not a workbook is file.not_workbook; broken sheet XML is file.xlsx_malformed', async () => {
    const zip = buildZip([{ name: 'hello.txt', data: Buffer.from('hi') }]);
    expect(fileProblem(await postImport(api, zip, XLSX_TYPE), 400, 'not_a_workbook').code).toBe('file.not_workbook');
    const broken = workbook('<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet/>');
    expect(fileProblem(await postImport(api, broken, XLSX_TYPE), 400, 'malformed_xlsx').code).toBe('file.xlsx_malformed');
  });

  test('an XLSX sent as CSV is file.xlsx_as_text', async () => {
    const xlsx = simpleXlsx([['iccid'], [importIccid()]]);
    expect(fileProblem(await postImport(api, xlsx, 'text/csv'), 400, 'wrong_format').code).toBe('file.xlsx_as_text');
  });

  test('a CSV that stops being UTF-8 is file.not_utf8 with the offset', async () => {
    const detail = fileProblem(await postImport(api, invalidUtf8Csv(), 'text/csv'), 400, 'invalid_encoding');
    expect(detail.code).toBe('file.not_utf8');
    expect(detail.params?.offset).toEqual(expect.any(Number));
  });

  test('a CSV quote never closed is file.csv_unclosed_quote with the line it opens on', async () => {
    const csv = `iccid;tariff\n${importIccid()};Start\n${importIccid()};"Never closed\n`;
    expect(fileProblem(await postImport(api, csv, 'text/csv'), 400, 'malformed_csv')).toMatchObject({
      code: 'file.csv_unclosed_quote',
      params: { line: 3 },
      line: 3,
    });
  });

  test('a header without an ICCID column is file.no_iccid_column naming what it found', async () => {
    const res = await postImport(api, 'phone;tariff\n+998901234567;Start\n', 'text/csv');
    expect(res.status).toBe(400);
    const detail = (res.body.error.details as any[])[0];
    expect(detail).toMatchObject({ field: 'iccid', code: 'file.no_iccid_column', params: { found: 'phone, tariff' } });
    expect(FILE_PROBLEM_CODES).toContain(detail.code);
  });

  test('two ICCID columns are file.duplicate_column naming the field', async () => {
    const res = await postImport(api, `iccid;ICCID\n${importIccid()};${importIccid()}\n`, 'text/csv');
    expect(res.status).toBe(400);
    expect((res.body.error.details as any[])[0]).toMatchObject({ code: 'file.duplicate_column', params: { column: 'iccid' } });
  });

  test('a sheet over the row and column caps is file.too_many_rows / file.too_many_columns with the cap (413)', async () => {
    const rows = workbook(
      '<worksheet><dimension ref="A1:E5000000"/><sheetData><row r="1"><c t="inlineStr"><is><t>iccid</t></is></c></row></sheetData></worksheet>',
    );
    expect(fileProblem(await postImport(api, rows, XLSX_TYPE), 413, 'too_many_rows')).toMatchObject({
      code: 'file.too_many_rows',
      params: { max: 1_000_000 },
    });
    const columns = workbook(
      '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>iccid</t></is></c><c r="NTP1"><v>1</v></c></row></sheetData></worksheet>',
    );
    expect(fileProblem(await postImport(api, columns, XLSX_TYPE), 413, 'too_many_columns')).toMatchObject({
      code: 'file.too_many_columns',
      params: { max: 256 },
    });
  });

  test('gzip: a cut body is file.gzip_invalid, a bomb file.gzip_bomb with the ratio', async () => {
    const gzip = { headers: { 'content-encoding': 'gzip' } };
    const cut = await postImport(api, truncated(gzipBomb(8 * 1024 * 1024), 0.5), 'text/csv', '', gzip);
    expect(fileProblem(cut, 400, 'malformed_gzip').code).toBe('file.gzip_invalid');
    const bomb = await postImport(api, gzipBomb(), 'text/csv', '', gzip);
    expect(fileProblem(bomb, 413, 'payload_too_large')).toMatchObject({ code: 'file.gzip_bomb', params: { ratio: 100 } });
  });

  test('a content type that is no import format is file.unsupported_type (415)', async () => {
    const res = await postImport(api, 'hello', 'image/png');
    expect(fileProblem(res, 415, 'unsupported_media_type')).toMatchObject({ code: 'file.unsupported_type', params: { type: 'image/png' } });
  });
});
