/**
 * The SIM export made for people rather than programs (the default; `raw=true` keeps the API
 * dump for integrations): headers and status names in the reader's language, dates in the
 * dealer's time zone (in XLSX as real Excel dates, which Excel can sort and filter), CSV with
 * `;` and a BOM for Uzbek and Russian Excel (which splits on `;` in those locales), XLSX with
 * column widths, an autofilter, a frozen header and the sheet named in the language.
 * Streamed like the raw export: rows arrive a page at a time and leave as the client reads.
 */
import { Readable } from 'node:stream';
import { dealerOffsetMinutes } from '@simcard/common';
import { EXPORT_COLUMNS, type ExportPages, type ExportRow, ROWS_PER_SHEET } from './export.js';
import { EXCEL_DATE_FORMAT, label, type Language } from './people-labels.js';
import { xlsxStream } from './xlsx-writer.js';

export type Delimiter = ',' | ';' | '\t';

export interface PeopleOptions {
  lang: Language;
  timeZone: string;
  /** Default: `;` for uz and ru, `,` for en. */
  delimiter?: Delimiter;
}

type Column = (typeof EXPORT_COLUMNS)[number];
const DATE_COLUMNS = new Set<Column>(['assigned_at', 'activated_at', 'sold_at', 'last_checked_at', 'created_at', 'updated_at']);
const FREE_TEXT = new Set<Column>(['tariff', 'batch_id', 'shop_name', 'last_check_error', 'notes']);
const FORMULA_START = /^[=+\-@\t\r]/;
/** Characters wide, per column: an ICCID (20 digits) must show whole. */
const WIDTHS: Partial<Record<Column, number>> = {
  id: 9,
  iccid: 24,
  msisdn: 16,
  operator: 12,
  tariff: 16,
  price: 12,
  batch_id: 18,
  status: 16,
  provider_status: 20,
  shop_id: 10,
  shop_code: 12,
  shop_name: 24,
  last_check_error: 30,
  notes: 30,
};
const DATE_WIDTH = 18;

export function defaultDelimiter(lang: Language): Delimiter {
  return lang === 'en' ? ',' : ';';
}

/** Offsets are looked up a quarter of an hour at a time: no zone changes its offset twice within one. */
const OFFSET_SPAN_MS = 15 * 60_000;

/**
 * The zone's offset at an instant, in minutes, remembered per quarter hour whose two ends agree
 * (a quarter hour holding a change is looked up per instant). dealerOffsetMinutes asks Intl for
 * the local parts each time: for six dates a row, its garbage alone grew the API process by
 * ~110 MB over a 1,000,000-row XLSX export, and most of a file's dates share a few quarter hours.
 */
export function offsetLookup(tz: string): (ms: number) => number {
  const known = new Map<number, number>();
  return (ms) => {
    const span = Math.floor(ms / OFFSET_SPAN_MS);
    let offset = known.get(span);
    if (offset === undefined) {
      const start = dealerOffsetMinutes(new Date(span * OFFSET_SPAN_MS), tz);
      offset = start === dealerOffsetMinutes(new Date((span + 1) * OFFSET_SPAN_MS - 1000), tz) ? start : NaN;
      if (known.size >= 10_000) known.clear();
      known.set(span, offset);
    }
    return Number.isNaN(offset) ? dealerOffsetMinutes(new Date(ms), tz) : offset;
  };
}

/** A row's values for people: statuses named, dates as local Dates (XLSX) or local text (CSV). */
function humanizer(o: PeopleOptions, asText: boolean): (row: ExportRow) => (string | number | Date | null)[] {
  // Looked up per call, not at load: export.ts and this module import each other.
  const STATUS = EXPORT_COLUMNS.indexOf('status');
  const PROVIDER = EXPORT_COLUMNS.indexOf('provider_status');
  const offset = offsetLookup(o.timeZone);
  return (row) =>
    row.map((v, i) => {
      if (v === null) return null;
      if (i === STATUS) return label(o.lang, `status.${v}`);
      if (i === PROVIDER) return label(o.lang, `provider.${v}`);
      if (DATE_COLUMNS.has(EXPORT_COLUMNS[i]!)) {
        const ms = Date.parse(String(v));
        // Not an instant (never written by the API): as excelLocalDate and dealerOffsetMinutes would, refuse it.
        if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(v)}`);
        const local = new Date(ms + offset(ms) * 60_000);
        return asText ? local.toISOString().slice(0, 16).replace('T', ' ') : local;
      }
      return v;
    });
}

function csvField(value: string | number | Date | null, column: number, delimiter: Delimiter): string {
  if (value === null) return '';
  let text = String(value);
  if (FREE_TEXT.has(EXPORT_COLUMNS[column]!) && FORMULA_START.test(text)) text = `'${text}`;
  return text.includes('"') || text.includes('\n') || text.includes('\r') || text.includes(delimiter)
    ? `"${text.replaceAll('"', '""')}"`
    : text;
}

export function peopleCsv(source: ExportPages, o: PeopleOptions): Readable {
  const delimiter = o.delimiter ?? defaultDelimiter(o.lang);
  const line = (values: (string | number | Date | null)[]) => `${values.map((v, i) => csvField(v, i, delimiter)).join(delimiter)}\r\n`;
  async function* chunks(): AsyncGenerator<string> {
    // The BOM makes Excel read UTF-8 (Cyrillic, Uzbek ʻ); `sep=` is not used: it hides the BOM from Excel.
    yield `\ufeff${line(EXPORT_COLUMNS.map((c) => label(o.lang, c)))}`;
    const humanize = humanizer(o, true);
    for await (const page of source) yield page.map((r) => line(humanize(r))).join('');
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** XLSX for people: dates as Excel dates, widths, a bold frozen header with an autofilter (xlsx-writer.ts streams it). */
export function peopleXlsx(source: ExportPages, o: PeopleOptions): Readable {
  const humanize = humanizer(o, false);
  // An iterator, not a generator, for the reason pages() is one (export.ts): nothing holds a page
  // but the writer, which writes it as soon as it arrives.
  const rows: AsyncIterableIterator<(string | number | Date | null)[][]> = {
    async next() {
      const next = await source.next();
      return next.done ? { done: true, value: undefined } : { done: false, value: next.value.map(humanize) };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => rows,
  };
  return xlsxStream(rows, {
    sheetName: label(o.lang, 'sheet.simcards'),
    header: EXPORT_COLUMNS.map((c) => label(o.lang, c)),
    rowsPerSheet: ROWS_PER_SHEET,
    dateFormat: EXCEL_DATE_FORMAT,
    people: { widths: EXPORT_COLUMNS.map((c) => (DATE_COLUMNS.has(c) ? DATE_WIDTH : (WIDTHS[c] ?? 14))) },
  });
}
