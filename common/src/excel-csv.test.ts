/**
 * A CSV for people opens correctly in a Russian or Uzbek Excel: a UTF-8 BOM, `;` between fields,
 * CRLF line ends, fields holding `;`, `"` or a line break quoted, text a spreadsheet would run as a
 * formula disarmed with an apostrophe (a plain phone number kept as written), Uzbek and Russian
 * letters intact, and every hostile text read back as written.
 */
import { excelCsvRecords } from '../../tests/fixtures/excel-csv.js';
import { HOSTILE_CSV_TEXTS } from '../../tests/fixtures/hostile/csv-texts.js';
import { excelCsvField, excelCsvFile } from './excel-csv.js';

describe('the CSV file', () => {
  it('starts with a UTF-8 BOM, separates fields with ; and ends every line with CRLF', () => {
    const text = excelCsvFile([
      ['a', 'b'],
      [1, null],
    ]);
    expect(text).toBe('\uFEFFa;b\r\n1;\r\n');
    expect(new TextEncoder().encode(text).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
  });

  it('quotes a field holding ; " or a line break, doubling its quotes', () => {
    expect(excelCsvField('a;b')).toBe('"a;b"');
    expect(excelCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(excelCsvField('line\nbreak')).toBe('"line\nbreak"');
    expect(excelCsvField('crlf\r\nin')).toBe('"crlf\r\nin"');
    expect(excelCsvField('x,y')).toBe('x,y');
  });

  it('disarms text a spreadsheet would run as a formula with a leading apostrophe', () => {
    expect(['=1+2', '@home', '-5 so‘m', '+998 90', '=HYPERLINK("x")', '\tTab'].map(excelCsvField)).toEqual([
      "'=1+2",
      "'@home",
      "'-5 so‘m",
      "'+998 90",
      `"'=HYPERLINK(""x"")"`,
      "'\tTab",
    ]);
    expect(excelCsvField('mid=dle')).toBe('mid=dle');
    expect(excelCsvField("'already")).toBe("'already");
  });

  it('keeps a plain phone number as written: +998901234567', () => {
    expect(excelCsvField('+998901234567')).toBe('+998901234567');
    expect(excelCsvField(-5)).toBe('-5');
  });

  it('keeps Uzbek and Russian letters intact', () => {
    expect(excelCsvField('Doʻkonga yetmasdan faollashtirilgan')).toBe('Doʻkonga yetmasdan faollashtirilgan');
    expect(excelCsvField('Ўзбек тили; Продана')).toBe('"Ўзбек тили; Продана"');
  });

  it('reads back every hostile text as written (after the guard)', () => {
    const read = excelCsvRecords(excelCsvFile([...HOSTILE_CSV_TEXTS].map((s) => [s, 'end'])).slice(1));
    expect(read).toEqual(HOSTILE_CSV_TEXTS.map((s) => [/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+$/.test(s) ? `'${s}` : s, 'end']));
  });
});
