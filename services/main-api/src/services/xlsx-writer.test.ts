/**
 * The streaming XLSX writer, read back by exceljs (the export tests read whole exports the same
 * way): values and types, XML escaping, Excel dates, the people's formatting, a new sheet after
 * `rowsPerSheet` rows, and a reader that goes away stopping the source.
 */
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { type XlsxOptions, xlsxStream, type XlsxValue } from './xlsx-writer.js';

async function* pagesOf(...pages: XlsxValue[][][]): AsyncGenerator<XlsxValue[][]> {
  for (const page of pages) yield page;
}

async function read(pages: AsyncIterable<XlsxValue[][]>, o: XlsxOptions): Promise<ExcelJS.Workbook> {
  const chunks: Buffer[] = [];
  for await (const chunk of xlsxStream(pages, o)) chunks.push(chunk as Buffer);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.concat(chunks) as never);
  return wb;
}

const values = (sheet: ExcelJS.Worksheet) => {
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
};

const base: XlsxOptions = { sheetName: 'SIM cards', header: ['id', 'text', 'at'], rowsPerSheet: 1000, dateFormat: 'yyyy-mm-dd hh:mm' };

test('numbers stay numbers, text stays text (escaped), dates are Excel dates; null and empty text leave the cell blank', async () => {
  const odd = 'a & <b> "c" \u0001 _x0041_';
  const wb = await read(
    pagesOf(
      [
        [1, '8999801000000000001', new Date('2026-12-01T01:30:00.000Z')],
        [2, odd, null],
      ],
      [[3, '  padded ', null]],
      [[4, '', null]],
    ),
    base,
  );
  const [sheet] = wb.worksheets;
  expect(wb.worksheets).toHaveLength(1);
  expect(sheet!.name).toBe('SIM cards');
  const rows = values(sheet!);
  expect(rows[0]).toEqual(['id', 'text', 'at']);
  expect(rows[1]).toEqual([1, '8999801000000000001', new Date('2026-12-01T01:30:00.000Z')]);
  expect(sheet!.getCell('C2').numFmt).toBe('yyyy-mm-dd hh:mm');
  // exceljs keeps Excel's _xHHHH_ escapes as written; Excel turns them back into the characters.
  expect(rows[2]).toEqual([2, 'a & <b> "c" _x0001_ _x005F_x0041_']);
  expect(rows[3]).toEqual([3, '  padded ']);
  expect(rows[4]).toEqual([4]);
});

test('for people: widths, a bold frozen header with an autofilter', async () => {
  const wb = await read(pagesOf([[1, 'x', null]]), { ...base, people: { widths: [9, 24, 18] } });
  const sheet = wb.worksheets[0]!;
  expect([1, 2, 3].map((c) => sheet.getColumn(c).width)).toEqual([9, 24, 18]);
  expect(sheet.getCell('A1').font).toMatchObject({ bold: true });
  expect(sheet.getCell('A2').font?.bold).toBeFalsy();
  expect(sheet.autoFilter).toBe('A1:C1');
  expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
});

test('a sheet holds rowsPerSheet rows; the rest go on the next sheets, each with the header; exactly full makes no empty sheet', async () => {
  const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => [from + i, `r${from + i}`, null]);
  const wb = await read(pagesOf(rows(1, 3), rows(4, 4)), { ...base, rowsPerSheet: 3 });
  expect(wb.worksheets.map((s) => s.name)).toEqual(['SIM cards', 'SIM cards 2', 'SIM cards 3']);
  expect(wb.worksheets.map((s) => values(s).map((r) => r[0]))).toEqual([
    ['id', 1, 2, 3],
    ['id', 4, 5, 6],
    ['id', 7],
  ]);
  const full = await read(pagesOf(rows(1, 3)), { ...base, rowsPerSheet: 3 });
  expect(full.worksheets).toHaveLength(1);
  const none = await read(pagesOf(), base);
  expect(values(none.worksheets[0]!)).toEqual([['id', 'text', 'at']]);
});

test('a reader that goes away stops the source', async () => {
  let pagesRead = 0;
  let closed = false;
  async function* endless(): AsyncGenerator<XlsxValue[][]> {
    try {
      for (;;) {
        pagesRead++;
        yield Array.from({ length: 1000 }, (_, i) => [i, 'x'.repeat(50), null]);
      }
    } finally {
      closed = true;
    }
  }
  const stream = xlsxStream(endless(), base);
  stream.once('data', () => stream.destroy());
  await once(stream, 'close');
  // Let the generator's pending step settle.
  for (let i = 0; i < 20 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
  expect(closed).toBe(true);
  expect(pagesRead).toBeLessThan(10);
});
