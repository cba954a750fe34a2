/**
 * SIM cards as a CSV or XLSX download, with the list's filters and the list's shop scope
 * (staff: their shop only). Streamed: rows are read a page at a time in id order and written as
 * the client takes them, so memory does not grow with the number of rows.
 */
import { Readable } from 'node:stream';
import { DEFAULT_TIME_ZONE, type Principal } from '@simcard/common';
import { type Db, exportRepository, isSqlite, type SimcardRow } from '@simcard/db';
import { presentSimcard } from '../presenters/core.js';
import { type CopyCsvKind, CopyCsvPage } from './export-copy-csv.js';
import { peopleCsv, type PeopleOptions, peopleXlsx } from './export-people.js';
import { EXCEL_DATE_FORMAT, fileLanguage, type Language } from './people-labels.js';
import { scopedFilter, type SimcardListFilter } from './simcards.js';
import { type RowsXml, rowXml, type SheetRows, xlsxStream } from './xlsx-writer.js';

export type ExportFormat = 'csv' | 'xlsx';

/** Rows per query: large enough to amortize the round trip, small enough to bound memory. */
const PAGE_SIZE = 5000;
/**
 * Rows per query for XLSX, whose rows take longer to write: a page held across many young-generation
 * collections is promoted to V8's old space and stays there as garbage until a full collection
 * (5,000-row pages grew the process by ~190 MB over a 1,000,000-row export).
 */
const XLSX_PAGE_SIZE = 1000;
/**
 * Rows per page of the API dump's sheet, written by the database as one string a page (~0.5 MB):
 * measured in one process without HTTP on 1,000,000 rows at load ~10, one run each, peak RSS over
 * the start with 1,000-row pages +29 MB, 500 +16 MB, 250 +20 MB, about as fast (the bigger strings
 * and their UTF-8 copies grew V8's heap).
 */
const XLSX_RAW_PAGE_SIZE = 500;
/** An XLSX sheet holds at most 1,048,576 rows; a larger export continues on the next sheet. */
export const ROWS_PER_SHEET = 1_000_000;

export const EXPORT_COLUMNS = [
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
] as const;

/** One row's values in EXPORT_COLUMNS order (arrays, not objects: a million rows make garbage fast; export.test.ts pins the order). */
export type ExportRow = (string | number | null)[];

/** Free text a spreadsheet would run as a formula (CSV injection): prefixed with `'` in CSV. */
const FREE_TEXT_COLUMNS: readonly (typeof EXPORT_COLUMNS)[number][] = ['tariff', 'batch_id', 'shop_name', 'last_check_error', 'notes'];
/** Their positions in a row. */
const FREE_TEXT = new Set(FREE_TEXT_COLUMNS.map((c) => EXPORT_COLUMNS.indexOf(c)));
const FORMULA_START = /^[=+\-@\t\r]/;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface ExportDownload {
  filename: string;
  contentType: string;
  body: Readable;
}

/** The presenter decides each value (as the API shows it); the shop is named from `shops`. */
function exportRow(row: SimcardRow, shops: Map<number, { code: string; name: string }>): ExportRow {
  const p = presentSimcard(row);
  const shop = p.shop_id === null ? undefined : shops.get(p.shop_id);
  return [
    p.id,
    p.iccid,
    p.msisdn,
    p.operator,
    p.tariff,
    p.price,
    p.batch_id,
    p.status,
    p.provider_status,
    p.shop_id,
    shop?.code ?? null,
    shop?.name ?? null,
    p.assigned_at,
    p.activated_at,
    p.sold_at,
    p.last_checked_at,
    p.last_check_error,
    p.notes,
    p.created_at,
    p.updated_at,
  ];
}

/** The export rows, a page at a time. */
export type ExportPages = AsyncIterableIterator<ExportRow[]>;

/**
 * The matching SIMs as export rows, a page at a time. An iterator, not a generator: a generator's
 * frame would hold the driver's page while the rows wait for the client, long enough for a
 * CPU-starved collector to promote it to old space as garbage.
 */
function pages(db: Db, filter: ReturnType<typeof scopedFilter>, size = PAGE_SIZE): ExportPages {
  let shops: Promise<Map<number, { code: string; name: string }>> | undefined;
  let afterId = 0;
  let done = false;
  const iterator: ExportPages = {
    async next(): Promise<IteratorResult<ExportRow[]>> {
      if (done) return { done: true, value: undefined };
      const byId = await (shops ??= exportRepository.shopNames(db));
      const page: SimcardRow[] = await exportRepository.pageAfter(db, filter, afterId, size);
      if (page.length < size) done = true;
      if (page.length === 0) return { done: true, value: undefined };
      afterId = page.at(-1)!.id;
      return { done: false, value: page.map((row) => exportRow(row, byId)) };
    },
    async return(): Promise<IteratorResult<ExportRow[]>> {
      done = true;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field (RFC 4180): quoted only when it must be; null is empty. */
function csvField(value: string | number | null, column: number): string {
  if (value === null) return '';
  let text = String(value);
  if (FREE_TEXT.has(column) && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV lines for a page of records. Written here rather than with csv-stringify, which took
 * about half of the export's time for these flat, known columns.
 */
function csvLines(rows: readonly ExportRow[]): string {
  return rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/** Integer columns (a stored value in another form, say a real, fails the plain line's check). */
const INT_COLUMNS: readonly (typeof EXPORT_COLUMNS)[number][] = ['id', 'price', 'shop_id'];
/** Date columns: in the plain line only in the form `toIso` passes through unchanged. */
const DATE_COLUMNS: readonly (typeof EXPORT_COLUMNS)[number][] = [
  'assigned_at',
  'activated_at',
  'sold_at',
  'last_checked_at',
  'created_at',
  'updated_at',
];

/**
 * A line of the plain page (exportRepository.plainCsvPageAfter: fields as stored, joined by
 * commas) that is exactly what csvField writes: no field holds a quote, comma or line break (so
 * none needs quotes), no free-text field starts like a formula, integers are integers and dates
 * are in the form `toIso` passes through. Sticky: tried where a line starts, and the line passes
 * when the match ends where the line does. Checked here at regular-expression speed instead of
 * by the database on each row (six date globs and six more tests a row cost SQLite about as much
 * as writing the line).
 */
const PLAIN_LINE = new RegExp(
  EXPORT_COLUMNS.map((c) =>
    INT_COLUMNS.includes(c)
      ? '-?\\d*'
      : DATE_COLUMNS.includes(c)
        ? '(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)?'
        : FREE_TEXT_COLUMNS.includes(c)
          ? '(?:[^,"\\r\\n=+\\-@\\t][^,"\\r\\n]*)?'
          : '[^,"\\r\\n]*',
  ).join(','),
  'y',
);
/** Half of a UTF-16 surrogate pair: such a character counts 2 in a JS string and 1 in the database's length(). */
const SURROGATE = /[\ud800-\udfff]/;

/** A line of the plain page that breaks a rule: its row and where it lies in the page's text. */
interface FailedLine {
  id: number;
  start: number;
  end: number;
}

/**
 * The lines of a plain page that are not what csvField writes, found through the lengths the
 * database gave (a line may hold a line break: where each ends is known, not guessed). Null when
 * the text and the lengths do not agree, or the lines are not in id order (the database joins
 * them in the order it reads them, unsorted: sorting cost SQLite a third of the query): then
 * nothing of the page is trusted.
 */
export function failedLines(text: string, lengths: string, rows: number): FailedLine[] | null {
  if (SURROGATE.test(text)) return null;
  const failed: FailedLine[] = [];
  let start = 0;
  let lines = 0;
  let length = 0;
  let lastId = -1;
  for (let i = 0; i <= lengths.length; i++) {
    const c = i < lengths.length ? lengths.charCodeAt(i) : 44;
    if (c !== 44) {
      length = length * 10 + c - 48;
      continue;
    }
    const end = start + length;
    if (end > text.length || (end < text.length && (text.charCodeAt(end) !== 13 || text.charCodeAt(end + 1) !== 10))) return null;
    // The id is the line's first field, an integer.
    let id = 0;
    let at = start;
    for (let d = text.charCodeAt(at); d >= 48 && d <= 57 && at < end; d = text.charCodeAt(++at)) id = id * 10 + d - 48;
    if (at === start || id <= lastId || !Number.isSafeInteger(id)) return null;
    lastId = id;
    PLAIN_LINE.lastIndex = start;
    if (!PLAIN_LINE.test(text) || PLAIN_LINE.lastIndex !== end) failed.push({ id, start, end });
    lines++;
    start = end + 2;
    length = 0;
  }
  return lines === rows && start === text.length + 2 ? failed : null;
}

/** A plain page with more failed lines than this is read again with the rules (mending it line by line would cost more). */
const MEND_AT_MOST = PAGE_SIZE / 20;
/**
 * After a plain page that had to be read again, this many pages are read with the rules straight
 * away before a plain one is tried again: an export where many rows need the rules then costs what
 * the rules cost, plus a plain page in every RULES_PAGES + 1 (measured, 10% of rows needing quotes,
 * CPU time: always plain first 1.4× the rules alone).
 */
const RULES_PAGES = 8;

/**
 * A page of the API dump's CSV as it arrived from the database: how many rows it covers (a full
 * page means more may follow), the last id, and its text, written when the client is ready for it
 * (a page that needs more of the database, mended or read again, asks for it then).
 */
interface ArrivedPage {
  rows: number;
  lastId: number | null;
  text(): string | Buffer | Promise<string | Buffer>;
}

/** The next page after `afterId`, from one dialect's source (plainPages, copiedPages). */
type AskPage = (afterId: number) => Promise<ArrivedPage>;

/**
 * The API dump's CSV, a page at a time, from either dialect's page source: the next page is asked
 * for as soon as one arrives, so the database works on it while this one is written to the
 * client. A source keeps its own state (which query it asks next) and updates it before its page
 * arrives, so the next ask sees it.
 */
async function* csvPages(ask: AskPage): AsyncGenerator<string | Buffer> {
  const asked = (afterId: number) => {
    const page = ask(afterId);
    // Handled when awaited; until then (a slow client) a failure must not count as an unhandled rejection, which ends the process.
    page.catch(() => {});
    return page;
  };
  let next: Promise<ArrivedPage> | null = asked(0);
  while (next) {
    const page: ArrivedPage = await next;
    next = page.rows === PAGE_SIZE && page.lastId !== null ? asked(page.lastId) : null;
    const text = await page.text();
    if (text.length > 0) yield text;
  }
}

/** A page with the CSV rules applied by the database (exportRepository.csvPageAfter), and by us for the rows it leaves. */
function rulesText(db: Db, filter: ReturnType<typeof scopedFilter>, afterId: number, page: exportRepository.CsvPage): ArrivedPage {
  return {
    rows: page.rows,
    lastId: page.lastId,
    text: () => (page.odd > 0 ? oddPage(db, filter, afterId, page.lastId!) : page.text === null ? '' : `${page.text}\r\n`),
  };
}

/**
 * SQLite: the API dump's CSV pages, each one string written and joined by the database: the plain
 * lines (fields as stored: exportRepository.plainCsvPageAfter), each checked here (failedLines).
 * The few lines that break a rule are asked for again with the CSV rules in SQL
 * (exportRepository.csvLinesByIds, the same rules as csvField) and put in their place; a page with
 * many such lines, or whose text cannot be checked, is read again with the rules in SQL
 * (exportRepository.csvPageAfter), and so are the next RULES_PAGES pages. Rows the database leaves
 * to us there (a date stored in a form `toIso` rewrites) are written by csvLines from the row itself.
 */
function plainPages(db: Db, filter: ReturnType<typeof scopedFilter>): AskPage {
  let rulesFor = 0;
  return async (afterId) => {
    if (rulesFor > 0) {
      rulesFor--;
      return rulesText(db, filter, afterId, await exportRepository.csvPageAfter(db, filter, afterId, PAGE_SIZE));
    }
    const plain: exportRepository.PlainCsvPage = await exportRepository.plainCsvPageAfter(db, filter, afterId, PAGE_SIZE);
    const failed = plain.text !== null && plain.lengths !== null ? failedLines(plain.text, plain.lengths, plain.rows) : [];
    const reread = failed === null || failed.length > MEND_AT_MOST;
    // Set before the page arrives: the next page is asked for with the rules.
    if (reread) rulesFor = RULES_PAGES;
    return {
      rows: plain.rows,
      lastId: plain.lastId,
      text: () =>
        reread
          ? rulesPage(db, filter, afterId, plain.lastId!)
          : plain.text === null
            ? ''
            : failed!.length === 0
              ? `${plain.text}\r\n`
              : mendedPage(db, plain.text, failed!),
    };
  };
}

/** The export's columns as COPY writes them (CopyCsvPage). */
const COPY_KINDS: readonly CopyCsvKind[] = EXPORT_COLUMNS.map((c) =>
  FREE_TEXT_COLUMNS.includes(c) ? 'free' : INT_COLUMNS.includes(c) ? 'int' : DATE_COLUMNS.includes(c) ? 'date' : 'text',
);

/**
 * PostgreSQL: the API dump's CSV pages, each `COPY … TO STDOUT` of the export's columns (the
 * server's work is then what `psql \copy` costs) rewritten into the API's CSV by CopyCsvPage as it
 * arrives. A page it does not trust is asked again with the CSV rules in SQL
 * (exportRepository.csvPageAfter, the lines written by the database).
 */
function copiedPages(db: Db, filter: ReturnType<typeof scopedFilter>): AskPage {
  return async (afterId) => {
    const copied = new CopyCsvPage(afterId, COPY_KINDS);
    await exportRepository.copyCsvPageAfter(db, filter, afterId, PAGE_SIZE, (chunk) => copied.push(chunk));
    const page = copied.finish();
    if (page === null) return rulesText(db, filter, afterId, await exportRepository.csvPageAfter(db, filter, afterId, PAGE_SIZE));
    return { rows: page.rows, lastId: page.lastId, text: () => page.text };
  };
}

/** The plain page with its failed lines replaced by lines written with the rules (a row gone meanwhile is left out). */
async function mendedPage(db: Db, text: string, failed: FailedLine[]): Promise<string> {
  const lines = await exportRepository.csvLinesByIds(
    db,
    failed.map((f) => f.id),
  );
  const odd = lines.filter((l) => l.line === null).map((l) => l.id);
  const written = await writtenHere(db, odd);
  const byId = new Map(lines.map((l) => [l.id, l.line ?? written.get(l.id)]));
  const page = `${text}\r\n`;
  let out = '';
  let from = 0;
  for (const f of failed) {
    const line = byId.get(f.id);
    out += page.slice(from, f.start) + (line === undefined ? '' : `${line}\r\n`);
    from = f.end + 2;
  }
  return out + page.slice(from);
}

/** These rows' lines written by csvLines from the rows themselves, by id. */
async function writtenHere(db: Db, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const shops = await exportRepository.shopNames(db);
  const rows = await exportRepository.rowsByIds(db, ids);
  return new Map(rows.map((row) => [row.id, csvLines([exportRow(row, shops)]).slice(0, -2)]));
}

/** The page after `afterId` up to `lastId` with the CSV rules applied by the database (and by us for the rows it leaves). */
async function rulesPage(db: Db, filter: ReturnType<typeof scopedFilter>, afterId: number, lastId: number): Promise<string> {
  const page = await exportRepository.csvPageAfter(db, filter, afterId, PAGE_SIZE, lastId);
  if (page.odd > 0) return oddPage(db, filter, afterId, lastId);
  return page.text === null ? '' : `${page.text}\r\n`;
}

/** A page with rows the database did not write, line by line: those rows written here from the rows themselves. */
async function oddPage(db: Db, filter: ReturnType<typeof scopedFilter>, afterId: number, lastId: number): Promise<string> {
  const page = await exportRepository.csvLinesAfter(db, filter, afterId, PAGE_SIZE, lastId);
  const written = await writtenHere(
    db,
    page.filter((r) => r.line === null).map((r) => r.id),
  );
  let text = '';
  for (const r of page) {
    const line = r.line ?? written.get(r.id);
    if (line !== undefined) text += `${line}\r\n`;
  }
  return text;
}

/**
 * One chunk per page: a chunk per row would make as many socket writes as rows.
 * Readable.from pulls the next page only when the client has taken the last one; when the
 * client goes away, Koa destroys the stream and the generator stops reading.
 */
function csv(source: AsyncGenerator<string | Buffer>): Readable {
  async function* chunks(): AsyncGenerator<string | Buffer> {
    // A BOM so that Excel reads the file as UTF-8 (Cyrillic names and notes).
    yield `\ufeff${EXPORT_COLUMNS.join(',')}\r\n`;
    yield* source;
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Where a page's row begins in the sheet rows the database writes (exportRepository.xlsxPageAfter). */
const ROW_OPEN = '<row r="';
const ROW_CLOSE = '</row>';
const LEFT_ID = ' id="';

/** A row the database left to JS: its number in the sheet, its id, and where its marker lies in the page's text. */
interface LeftRow {
  r: number;
  id: number;
  start: number;
  end: number;
}

/** The integer written at `at` (digits only) and where it ends; -1 when there is none. */
function digitsAt(text: string, at: number): { value: number; end: number } {
  let value = 0;
  let end = at;
  for (let d = text.charCodeAt(end); d >= 48 && d <= 57; d = text.charCodeAt(++end)) value = value * 10 + d - 48;
  return { value: end === at || !Number.isSafeInteger(value) ? -1 : value, end };
}

/**
 * The rows a page of the database's sheet text (exportRepository.xlsxPageAfter) left to JS, or null
 * when the text is not exactly the page asked for: `rows` rows numbered `firstRow`… in that order
 * (the database joins them in the order it reads them, unsorted), each a whole `<row r="N">…</row>`
 * or a marker `<row r="N" id="ID"/>`, nothing else. A row the database writes has no `<` in its
 * values (the rows with one are left to JS), so each `<row r="` is where a row begins. No garbage
 * for a page with nothing left: positions and numbers only.
 */
export function leftRows(text: string, firstRow: number, rows: number): LeftRow[] | null {
  const left: LeftRow[] = [];
  let r = firstRow;
  let pos = 0;
  while (pos < text.length) {
    if (!text.startsWith(ROW_OPEN, pos)) return null;
    const n = digitsAt(text, pos + ROW_OPEN.length);
    if (n.value !== r || text.charCodeAt(n.end) !== 34) return null;
    if (text.charCodeAt(n.end + 1) === 62) {
      const next = text.indexOf(ROW_OPEN, n.end);
      const end = next === -1 ? text.length : next;
      if (!text.startsWith(ROW_CLOSE, end - ROW_CLOSE.length)) return null;
      pos = end;
    } else {
      if (!text.startsWith(LEFT_ID, n.end + 1)) return null;
      const id = digitsAt(text, n.end + 1 + LEFT_ID.length);
      if (id.value < 0 || !text.startsWith('"/>', id.end)) return null;
      left.push({ r, id: id.value, start: pos, end: id.end + 3 });
      pos = id.end + 3;
    }
    r++;
  }
  return r === firstRow + rows ? left : null;
}

/**
 * The API dump's sheet rows, written by the database a page at a time (one string a page:
 * exportRepository.xlsxPageAfter), checked here (leftRows); the rows it leaves to JS (text needing
 * XML escapes, odd stored values) are written by rowXml from the rows themselves and put in their
 * places, and a page whose text fails the check is written here whole. The next page is asked for
 * as soon as one arrives, for where the writer will ask next: the database works on it while this
 * one is deflated and sent.
 */
function rawSheetRows(db: Db, filter: ReturnType<typeof scopedFilter>): SheetRows {
  let shops: Promise<Map<number, { code: string; name: string }>> | undefined;
  let afterId = 0;
  let done = false;
  interface Asked {
    afterId: number;
    firstRow: number;
    limit: number;
    page: Promise<exportRepository.XlsxPage>;
  }
  let ahead: Asked | null = null;
  const ask = (firstRow: number, limit: number): Asked => {
    const page = exportRepository.xlsxPageAfter(db, filter, afterId, limit, firstRow);
    // Handled when awaited; until then (the client may be slow) a failure must not count as unhandled.
    page.catch(() => {});
    return { afterId, firstRow, limit, page };
  };
  const written = async (r: number, row: SimcardRow) => rowXml(r, exportRow(row, await (shops ??= exportRepository.shopNames(db))));

  /** The page's rows written here (its text failed the check): the same rows, by id, numbered from firstRow. */
  async function writtenHere(from: number, lastId: number, firstRow: number, rows: number): Promise<string> {
    const page = (await exportRepository.pageAfter(db, filter, from, rows)).filter((row) => row.id <= lastId);
    let xml = '';
    for (let i = 0; i < page.length; i++) xml += await written(firstRow + i, page[i]!);
    return xml;
  }

  return {
    async next(firstRow, room): Promise<RowsXml | null> {
      if (done) return null;
      const limit = Math.min(XLSX_RAW_PAGE_SIZE, room);
      let asked = ahead;
      ahead = null;
      if (asked === null || asked.afterId !== afterId || asked.firstRow !== firstRow || asked.limit !== limit) asked = ask(firstRow, limit);
      const page = await asked.page;
      if (page.rows < limit) done = true;
      if (page.rows === 0 || page.text === null) return null;
      const from = afterId;
      afterId = page.lastId!;
      // The writer's next call: the rows after these on this sheet, or a next sheet's first rows.
      if (!done)
        ahead =
          room > page.rows
            ? ask(firstRow + page.rows, Math.min(XLSX_RAW_PAGE_SIZE, room - page.rows))
            : ask(2, Math.min(XLSX_RAW_PAGE_SIZE, ROWS_PER_SHEET));
      const left = leftRows(page.text, firstRow, page.rows);
      if (left === null) return { xml: await writtenHere(from, afterId, firstRow, page.rows), rows: page.rows };
      if (left.length === 0) return { xml: page.text, rows: page.rows };
      const rows = new Map(
        (
          await exportRepository.rowsByIds(
            db,
            left.map((l) => l.id),
          )
        ).map((row) => [row.id, row]),
      );
      let xml = '';
      let at = 0;
      for (const l of left) {
        const row = rows.get(l.id);
        // A row deleted meanwhile leaves its number unused.
        xml += page.text.slice(at, l.start) + (row === undefined ? '' : await written(l.r, row));
        at = l.end;
      }
      return { xml: xml + page.text.slice(at), rows: page.rows };
    },
    async close() {
      done = true;
      ahead = null;
    },
  };
}

/** The API dump as XLSX: the API's own values, no styles (xlsx-writer.ts streams it; the database writes the rows). */
function xlsx(source: SheetRows): Readable {
  return xlsxStream(source, {
    sheetName: 'SIM cards',
    header: EXPORT_COLUMNS,
    rowsPerSheet: ROWS_PER_SHEET,
    dateFormat: EXCEL_DATE_FORMAT,
  });
}

export class ExportService {
  constructor(
    private readonly db: Db,
    /** The dealer's time zone: a date filter's day is a day there. */
    private readonly timeZone?: string,
  ) {}

  /** The language of a file for people: the one asked for, else the user's own. */
  language(principal: Principal, asked: Language | undefined): Promise<Language> {
    return fileLanguage(this.db, principal, asked);
  }

  /** Throws (404 for staff naming another shop) before anything is sent; rows follow as the client reads. */
  export(principal: Principal, filter: SimcardListFilter, format: ExportFormat, people?: Omit<PeopleOptions, 'timeZone'>): ExportDownload {
    const scoped = scopedFilter(principal, filter, this.timeZone);
    // Generators: nothing is read before the client starts taking the body.
    const rows = () => pages(this.db, scoped, format === 'xlsx' ? XLSX_PAGE_SIZE : PAGE_SIZE);
    const day = new Date().toISOString().slice(0, 10);
    return {
      filename: `simcards-${day}.${format}`,
      contentType: CONTENT_TYPES[format],
      // For people (export-people.ts) unless `raw=true`: the API's own values for integrations.
      body: people
        ? format === 'csv'
          ? peopleCsv(rows(), { ...people, timeZone: this.timeZone ?? DEFAULT_TIME_ZONE })
          : peopleXlsx(rows(), { ...people, timeZone: this.timeZone ?? DEFAULT_TIME_ZONE })
        : format === 'csv'
          ? csv(csvPages(isSqlite(this.db) ? plainPages(this.db, scoped) : copiedPages(this.db, scoped)))
          : xlsx(rawSheetRows(this.db, scoped)),
    };
  }
}
