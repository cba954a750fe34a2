/**
 * A JSON import `{ rows: [...] }` → rows. Keys are matched like CSV headers (so `ICCID` or
 * `telefon` work too); `line` is the row's 1-based position in `rows`.
 */
import { fieldForHeader } from './columns.js';
import type { CellValue, SourceRow, WarnFn } from './source-row.js';

const BATCH_ROWS = 1000;

/** Rows in batches of up to BATCH_ROWS, like the file parsers. */
export function* jsonRows(rows: Record<string, unknown>[], warn: WarnFn): Generator<SourceRow[]> {
  const unknownKeys = new Set<string>();
  let batch: SourceRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row: SourceRow = { line: i + 1, cells: {} };
    for (const [key, value] of Object.entries(rows[i]!)) {
      const field = fieldForHeader(key);
      if (!field) {
        if (!unknownKeys.has(key) && unknownKeys.size < 20) {
          unknownKeys.add(key);
          warn({ line: i + 1, iccid: null, field: key, reason: `"${key}" is not a known field and was ignored` });
        }
        continue;
      }
      row.cells[field] = toCell(value);
    }
    batch.push(row);
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function toCell(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  // An object or array where a value belongs: kept as text, so the row is rejected with a reason.
  return JSON.stringify(value);
}
