/**
 * SIM cards as a CSV or XLSX download, with the list's filters and the list's shop scope
 * (staff: their shop only). Streamed: rows are read a page at a time in id order and written as
 * the client takes them, so memory does not grow with the number of rows.
 */
import { PassThrough, Readable } from 'node:stream';
import type { Principal } from '@simcard/common';
import { exportRepository, type Db, type SimcardRow } from '@simcard/db';
import ExcelJS from 'exceljs';
import { presentSimcard } from '../presenters.js';
import { scopedFilter, type SimcardListFilter } from './simcards.js';

export type ExportFormat = 'csv' | 'xlsx';

/** Rows per query: large enough to amortize the round trip, small enough to bound memory. */
const PAGE_SIZE = 5000;
/** An XLSX sheet holds at most 1,048,576 rows; a larger export continues on the next sheet. */
const ROWS_PER_SHEET = 1_000_000;

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
type ExportRow = (string | number | null)[];

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

/** The matching SIMs as export rows, a page at a time. */
async function* pages(db: Db, filter: ReturnType<typeof scopedFilter>): AsyncGenerator<ExportRow[]> {
  const shops = await exportRepository.shopNames(db);
  let afterId = 0;
  for (;;) {
    const page: SimcardRow[] = await exportRepository.pageAfter(db, filter, afterId, PAGE_SIZE);
    if (page.length > 0) yield page.map((row) => exportRow(row, shops));
    if (page.length < PAGE_SIZE) return;
    afterId = page.at(-1)!.id;
  }
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

/**
 * One chunk per page: a chunk per row would make as many socket writes as rows.
 * Readable.from pulls the next page only when the client has taken the last one; when the
 * client goes away, Koa destroys the stream and the generator stops reading.
 */
function csv(source: AsyncGenerator<ExportRow[]>): Readable {
  async function* chunks(): AsyncGenerator<string> {
    // A BOM so that Excel reads the file as UTF-8 (Cyrillic names and notes).
    yield `\ufeff${EXPORT_COLUMNS.join(',')}\r\n`;
    for await (const page of source) yield csvLines(page);
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** A writable as core streams and the `readable-stream` package both keep their state. */
type Drainable = NodeJS.EventEmitter & { _writableState?: { needDrain?: boolean } };

/** Resolves once `stream` wants more, or once `out` (the response) is gone: then the caller stops. */
function drained(stream: Drainable, out: PassThrough): Promise<void> {
  if (!stream._writableState?.needDrain || out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      out.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    out.on('close', done);
  });
}

/**
 * exceljs's worksheet stream (StreamBuf, exceljs 4.4) writes each 64 KB block on into the zip
 * entry's input stream without heeding `write()`'s answer, so rows would pile up there (as
 * external memory) as fast as they are made: 600,000 rows held ~750 MB. Waiting for that stream
 * to drain, and for the response, after each page carries the client's pace back to the rows.
 */
async function sheetDrained(sheet: ReturnType<ExcelJS.stream.xlsx.WorkbookWriter['addWorksheet']>, out: PassThrough): Promise<void> {
  const inner = (sheet as unknown as { stream?: { pipes?: Drainable[] } }).stream?.pipes?.[0];
  if (inner) await drained(inner, out);
  await drained(out as unknown as Drainable, out);
}

function xlsx(source: AsyncGenerator<ExportRow[]>): Readable {
  const out = new PassThrough();
  // Shared strings and styles would be kept in memory until the end: both off.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const addSheet = (n: number) => {
    const sheet = workbook.addWorksheet(n === 1 ? 'SIM cards' : `SIM cards ${n}`);
    sheet.addRow([...EXPORT_COLUMNS]).commit();
    return sheet;
  };
  void (async () => {
    let sheets = 1;
    let sheet = addSheet(sheets);
    let inSheet = 0;
    for await (const page of source) {
      for (const row of page) {
        if (inSheet === ROWS_PER_SHEET) {
          sheet.commit();
          sheet = addSheet(++sheets);
          inSheet = 0;
        }
        sheet.addRow(row).commit();
        inSheet++;
      }
      await sheetDrained(sheet, out);
      if (out.destroyed) return source.return(undefined);
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}

export class ExportService {
  constructor(private readonly db: Db) {}

  /** Throws (404 for staff naming another shop) before anything is sent; rows follow as the client reads. */
  export(principal: Principal, filter: SimcardListFilter, format: ExportFormat): ExportDownload {
    const rows = pages(this.db, scopedFilter(principal, filter));
    const day = new Date().toISOString().slice(0, 10);
    return {
      filename: `simcards-${day}.${format}`,
      contentType: CONTENT_TYPES[format],
      body: format === 'csv' ? csv(rows) : xlsx(rows),
    };
  }
}
