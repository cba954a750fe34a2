/**
 * The import's parsers without HTTP: the CSV tokenizer (quotes, line breaks of every kind, line
 * numbers, chunk boundaries anywhere), delimiter and encoding detection, header aliases, prices.
 */
import { Readable } from 'node:stream';
import { appendCheckDigit, parseIccid } from '@simcard/common';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { fieldForHeader } from '../src/import/columns.js';
import { CsvFormatError, type CsvRecord, CsvTokenizer } from '../src/import/csv-tokenizer.js';
import { detectEncoding } from '../src/import/decode.js';
import { detectDelimiter, parseDelimited } from '../src/import/delimited.js';
import { parsePrice, validateRow } from '../src/import/validate-row.js';

function tokenize(text: string, chunkSize = text.length || 1, delimiter = ',', plainFastPath = true): CsvRecord[] {
  const out: CsvRecord[] = [];
  const t = new CsvTokenizer(delimiter, 1000, plainFastPath);
  for (let i = 0; i < text.length; i += chunkSize) t.push(text.slice(i, i + chunkSize), out);
  t.end(out);
  return out;
}

describe('CsvTokenizer', () => {
  const sample = 'a,b\r\n"x, y","he said ""hi"""\n\n"multi\nline",2\r3,\n"last"';
  const expected: CsvRecord[] = [
    { line: 1, cells: ['a', 'b'] },
    { line: 2, cells: ['x, y', 'he said "hi"'] },
    { line: 4, cells: ['multi\nline', '2'] },
    { line: 6, cells: ['3', ''] },
    { line: 7, cells: ['last'] },
  ];

  test('quotes, doubled quotes, blank lines, \\r\\n, \\n and lone \\r; records carry their first line', () => {
    expect(tokenize(sample)).toEqual(expected);
  });

  test('the same records whatever the chunk boundaries', () => {
    for (let size = 1; size <= sample.length; size++) expect(tokenize(sample, size)).toEqual(expected);
  });

  test('semicolons, and text after a closing quote kept as spreadsheets do', () => {
    expect(tokenize('"a"b;c\n', undefined, ';')).toEqual([{ line: 1, cells: ['ab', 'c'] }]);
  });

  test('a quote never closed is an error naming the line', () => {
    expect(() => tokenize('a\n"open,1\n2\n')).toThrow(CsvFormatError);
    try {
      tokenize('a\n"open,1\n2\n');
    } catch (err) {
      expect((err as CsvFormatError).line).toBe(2);
    }
  });

  test('the fast path for plain records reads every text as the general scanner does, whatever the chunks', () => {
    const piece = fc.constantFrom('a', 'bc', '1', ',', ';', '"', '""', '\n', '\r', '\r\n', ' ', '\t', 'x,y\n', 'p;q\r\n');
    const outcome = (text: string, chunk: number, delimiter: string, fast: boolean) => {
      try {
        return tokenize(text, chunk, delimiter, fast);
      } catch (err) {
        return `${(err as Error).message} (line ${(err as CsvFormatError).line})`;
      }
    };
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }).map((pieces) => pieces.join('')),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom(',', ';', '\t'),
        (text, chunk, delimiter) => {
          expect(outcome(text, chunk, delimiter, true)).toEqual(outcome(text, chunk, delimiter, false));
        },
      ),
      { seed: 1405, numRuns: 3000 },
    );
  });

  test('plain lines, \r\n or \n, split anywhere: cells and line numbers', () => {
    const text = 'iccid,msisdn\r\n1,2\r\n\r\n3,\n,4\n5';
    const expected: CsvRecord[] = [
      { line: 1, cells: ['iccid', 'msisdn'] },
      { line: 2, cells: ['1', '2'] },
      { line: 4, cells: ['3', ''] },
      { line: 5, cells: ['', '4'] },
      { line: 6, cells: ['5'] },
    ];
    for (let size = 1; size <= text.length; size++) expect(tokenize(text, size)).toEqual(expected);
  });

  test('a record longer than the limit is an error, not unbounded memory', () => {
    const t = new CsvTokenizer(',', 100);
    expect(() => t.push(`"${'x'.repeat(200)}`, [])).toThrow(/longer than 100/);
  });
});

describe('detection', () => {
  test('delimiter: semicolon, comma, tab; a Russian-locale 8,99E+18 is not a delimiter', () => {
    expect(detectDelimiter('iccid;msisdn;price')).toBe(';');
    expect(detectDelimiter('iccid,msisdn')).toBe(',');
    expect(detectDelimiter('iccid\tmsisdn')).toBe('\t');
    expect(detectDelimiter('8,99E+18')).toBe(',');
    expect(detectDelimiter('"a;b",c')).toBe(',');
  });

  test('encoding: UTF-8 (with or without BOM), UTF-16 by BOM, otherwise Windows-1251', () => {
    expect(detectEncoding(Buffer.from('\uFEFFiccid', 'utf8'))).toBe('utf8');
    expect(detectEncoding(Buffer.from('Номер ICCID', 'utf8'))).toBe('utf8');
    expect(detectEncoding(iconv.encode('Номер ICCID', 'win1251'))).toBe('win1251');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0x00]))).toBe('utf16le');
  });

  test('a UTF-8 letter split across chunk boundaries still decodes', async () => {
    const bytes = Buffer.from('iccid;тариф\n8999802000000000001;Безлимит\n', 'utf8');
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    const rows = [];
    for await (const batch of parseDelimited(Readable.from(chunks), () => {})) rows.push(...batch);
    expect(rows).toEqual([{ line: 2, cells: { iccid: '8999802000000000001', tariff: 'Безлимит' } }]);
  });
});

describe('headers and values', () => {
  test.each([
    ['ICCID', 'iccid'],
    ['ICCID raqami', 'iccid'],
    ['Номер ICCID', 'iccid'],
    ['айсиайди', 'iccid'],
    ['Telefon raqami', 'msisdn'],
    ['номер', 'msisdn'],
    ['Raqam', 'msisdn'],
    ['ОПЕРАТОР', 'operator'],
    ['Tarif', 'tariff'],
    ['тариф', 'tariff'],
    ["Narx (so'm)", 'price'],
    ['Цена', 'price'],
  ])('header %s is the %s column', (header, field) => {
    expect(fieldForHeader(header)).toBe(field);
  });

  test.each([
    ['15000', 15000],
    ['15 000', 15000],
    ['15,000', 15000],
    ["15000 so'm", 15000],
    ['15000,00', 15000],
    ['15000.00', 15000],
  ])('price %s is %d so‘m', (text, value) => {
    expect(parsePrice(text)).toEqual({ ok: true, value });
  });

  test("a plain-digit ICCID is judged as parseIccid judges it (the row's shortcut for plain cells keeps its rules)", () => {
    const digit = fc.constantFrom(...'0123456789');
    const cell = fc
      .tuple(fc.constantFrom('89', '98', '88', '09'), fc.string({ unit: digit, minLength: 17, maxLength: 18 }))
      .map(([prefix, rest]) => prefix + rest);
    fc.assert(
      fc.property(cell, fc.boolean(), (iccid, fixCheckDigit) => {
        // Half the cells get their right check digit, so both verdicts come up for every prefix.
        const value = fixCheckDigit ? appendCheckDigit(iccid.slice(0, -1)) : iccid;
        const row = validateRow({ line: 2, cells: { iccid: value } }, { checkDigitAbsent: false });
        expect(row.ok).toBe(parseIccid(value).ok);
      }),
      { numRuns: 2000 },
    );
  });

  test('an operator named like an Object.prototype key is a name like any other (as POST /simcards takes it)', () => {
    const result = validateRow({ line: 2, cells: { iccid: '8999803000000000012', operator: 'constructor' } }, { checkDigitAbsent: false });
    expect(result).toMatchObject({ ok: true, row: { operator: 'constructor' } });
  });

  test('a fractional or negative price is refused', () => {
    expect(parsePrice('15000.5').ok).toBe(false);
    expect(parsePrice('-1').ok).toBe(false);
    expect(parsePrice('abc').ok).toBe(false);
  });
});
