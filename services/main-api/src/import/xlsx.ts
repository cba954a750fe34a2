/**
 * An XLSX workbook's first worksheet → rows, read with exceljs's streaming reader (rows are
 * never all in memory; shared strings are). The line is the spreadsheet's row number.
 */
import type { Readable } from 'node:stream';
import { ValidationError } from '@simcard/common';
import ExcelJS from 'exceljs';
import { resolveHeader, toSourceRow, type ColumnMap } from './columns.js';
import type { CellValue, SourceRow, WarnFn } from './source-row.js';

const BATCH_ROWS = 1000;

/** exceljs's many cell shapes (rich text, formulas, links, dates) → text or a number. */
export function cellValue(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: string };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('').trim();
    if ('result' in v) return cellValue(v.result);
    if (typeof v.text === 'string') return v.text.trim();
    if (typeof v.error === 'string') return v.error;
  }
  return String(value);
}

/** Rows in batches of up to BATCH_ROWS: one await per batch, not per row. */
export async function* parseXlsx(input: Readable, warn: WarnFn): AsyncGenerator<SourceRow[]> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  let map: ColumnMap | null = null;
  let batch: SourceRow[] = [];
  try {
    for await (const sheet of workbook) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        // `values` is 1-based and sparse.
        const raw = row.values as unknown[];
        const cells: CellValue[] = [];
        for (let i = 1; i < raw.length; i++) cells.push(cellValue(raw[i]));
        if (cells.every((c) => c === null || c === '')) continue;
        if (map === null) {
          const resolved = resolveHeader(cells, warn);
          map = resolved.map;
          if (resolved.isHeader) continue;
        }
        batch.push(toSourceRow(row.number, cells, map));
        if (batch.length >= BATCH_ROWS) {
          yield batch;
          batch = [];
        }
      }
      // Only the first worksheet is the list; others (notes, totals) are not SIMs.
      break;
    }
    if (batch.length > 0) yield batch;
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ValidationError(`The XLSX workbook could not be read: ${message}`, [{ field: 'file', reason: message }], 'malformed_xlsx');
  } finally {
    input.destroy();
  }
}
