/**
 * CopyCsvPage turns PostgreSQL's COPY CSV of the export's columns into the API's CSV: byte for
 * byte the CSV rules applied to the values the API shows, however the bytes are cut into chunks;
 * a page in any other form is not trusted (null), never guessed at.
 */
import { HOSTILE_CSV_TEXTS } from '../../../../tests/fixtures/hostile/csv-texts.js';
import { type CopyCsvKind, CopyCsvPage } from './export-copy-csv.js';

/** A small export: id, a text, a free text, an integer, a date, another free text, another date. */
const KINDS: CopyCsvKind[] = ['int', 'text', 'free', 'int', 'date', 'free', 'date'];
type Value = string | number | null;

/** COPY's CSV, written independently: null empty, '' as "", quoted when holding " , CR or LF; LF ends a row. */
function copyCsv(rows: Value[][]): Buffer {
  const field = (v: Value) => {
    if (v === null) return '';
    const s = String(v);
    if (s === '') return '""';
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return Buffer.from(rows.map((r) => `${r.map(field).join(',')}\n`).join(''), 'utf8');
}

/** The API's CSV of the same values (dates as the API shows them), written independently of the server. */
function apiCsv(rows: Value[][]): string {
  return rows
    .map(
      (r) =>
        `${r
          .map((v, i) => {
            if (v === null) return '';
            let s = String(v);
            if (KINDS[i] === 'free' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
            return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
          })
          .join(',')}\r\n`,
    )
    .join('');
}

/** A timestamp as PostgreSQL writes it in UTC (ISO DateStyle: fraction without trailing zeros) and as the API shows it. */
const DATES: Array<[string, string]> = [
  ['2026-12-04 21:54:07.465466', '2026-12-04T21:54:07.465Z'],
  ['2026-12-04 21:54:07', '2026-12-04T21:54:07.000Z'],
  ['2026-12-04 21:54:07.5', '2026-12-04T21:54:07.500Z'],
  ['2026-01-02 03:04:05.12', '2026-01-02T03:04:05.120Z'],
  ['2026-01-02 03:04:05.999999', '2026-01-02T03:04:05.999Z'],
  ['1000-01-01 00:00:00.001', '1000-01-01T00:00:00.001Z'],
];

/** Rows whose text needs every rule (the shared hostile texts): quotes, commas, line breaks, formula starts, empty strings, non-ASCII. */
function hostileRows(): { copy: Value[][]; api: Value[][] } {
  const texts = HOSTILE_CSV_TEXTS;
  const copy: Value[][] = [];
  const api: Value[][] = [];
  texts.forEach((t, i) => {
    const [pgDate, apiDate] = DATES[i % DATES.length]!;
    const other = texts[(i + 3) % texts.length]!;
    copy.push([10 + i, t, t, i % 2 ? null : 15000, pgDate, other, i % 3 ? null : pgDate]);
    // csvField writes '' for null and for the empty string alike.
    api.push([
      10 + i,
      t === '' ? null : t,
      t === '' ? null : t,
      i % 2 ? null : 15000,
      apiDate,
      other === '' ? null : other,
      i % 3 ? null : apiDate,
    ]);
  });
  return { copy, api };
}

function rewrite(chunks: Buffer[], afterId = 0): ReturnType<CopyCsvPage['finish']> {
  const page = new CopyCsvPage(afterId, KINDS, 64);
  for (const c of chunks) page.push(c);
  return page.finish();
}

describe('PostgreSQL COPY CSV rewritten as the API CSV', () => {
  test('equals the CSV rules on the values the API shows: quotes, formula guard, empty strings, dates, CRLF', () => {
    const { copy, api } = hostileRows();
    const page = rewrite([copyCsv(copy)]);
    expect(page).not.toBeNull();
    expect(page!.text.toString('utf8')).toBe(apiCsv(api));
    expect(page!.rows).toBe(copy.length);
    expect(page!.lastId).toBe(10 + copy.length - 1);
  });

  test('the same bytes cut into chunks anywhere (inside a row, a quoted field, a date, a UTF-8 character) give the same page', () => {
    const { copy, api } = hostileRows();
    const bytes = copyCsv(copy);
    const want = apiCsv(api);
    for (let cut = 1; cut < bytes.length; cut++) {
      const page = rewrite([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(page?.text.toString('utf8')).toBe(want);
    }
    // Many small chunks.
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 7) chunks.push(bytes.subarray(at, at + 7));
    expect(rewrite(chunks)?.text.toString('utf8')).toBe(want);
  });

  test('an empty page is an empty text of no rows', () => {
    expect(rewrite([], 5)).toEqual({ text: Buffer.alloc(0), rows: 0, lastId: 5 });
  });

  test.each([
    ['a date before year 1000', '1,a,b,1,0999-01-01 00:00:00,c,\n'],
    ['a date after 9999', '1,a,b,1,10000-01-01 00:00:00,c,\n'],
    ['a date BC', '1,a,b,1,2026-01-01 00:00:00 BC,c,\n'],
    ['an infinite date', '1,a,b,1,infinity,c,\n'],
    ['a fraction of 7 digits', '1,a,b,1,2026-01-01 00:00:00.1234567,c,\n'],
    ['a date with a time zone', '1,a,b,1,2026-01-01 00:00:00+00,c,\n'],
    ['a quoted integer', '1,a,b,"1",2026-01-01 00:00:00,c,\n'],
    ['a quoted date', '1,a,b,1,"2026-01-01 00:00:00",c,\n'],
    ['an unquoted field holding a quote', '1,a,b"c,1,,c,\n'],
    ['a row with a field too few', '1,a,b,1,,c\n'],
    ['a row with a field too many', '1,a,b,1,,c,,\n'],
    ['ids not increasing', '2,a,b,1,,c,\n1,a,b,1,,c,\n'],
    ['an id not after the page start', '1,a,b,1,,c,\n'],
    ['a row not ended', '1,a,b,1,,c,'],
    ['no id', ',a,b,1,,c,\n'],
  ])('is not trusted (null) with %s', (what, text) => {
    expect(rewrite([Buffer.from(text)], what === 'an id not after the page start' ? 1 : 0)).toBeNull();
  });

  test('a page trusted before an untrusted row is still not trusted whole', () => {
    const good = copyCsv([[1, 'a', 'b', 1, DATES[0]![0], 'c', null]]);
    expect(rewrite([good, Buffer.from('2,a,b,1,infinity,c,\n')])).toBeNull();
  });
});
