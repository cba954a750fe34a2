/**
 * CSV and pasted text (one ICCID per line is a one-column file) → rows, streamed. The delimiter
 * (comma, semicolon or tab) is taken from the first line; line numbers are the file's own, so a
 * quoted value spanning lines or blank lines do not shift them.
 */
import type { Readable } from 'node:stream';
import { resolveHeader, sourceRowMaker } from './columns.js';
import { CsvFormatError, type CsvRecord, CsvTokenizer } from './csv-tokenizer.js';
import { decodeText, type TextEncoding } from './decode.js';
import { fileUnreadable } from './file-errors.js';
import type { SourceRow, WarnFn } from './source-row.js';

/** A longer record is a broken file (an unclosed quote swallowing the rest), not a SIM. */
const MAX_RECORD_CHARS = 64 * 1024;

/** The delimiter of the first line; Excel's `8,99E+18` (Russian locale) is a number, not two cells. */
export function detectDelimiter(firstLine: string): string {
  const line = firstLine.replace(/"[^"]*"/g, '').replace(/\d,\d+e\+?\d+/gi, '');
  let best = ',';
  let bestCount = 0;
  for (const d of [';', ',', '\t']) {
    const count = line.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Rows in batches (one per decoded chunk of text): one await per batch, not per row. */
export async function* parseDelimited(
  input: Readable,
  warn: WarnFn,
  onEncoding?: (e: TextEncoding) => void,
  raw = false,
): AsyncGenerator<SourceRow[]> {
  let tokenizer: CsvTokenizer | null = null;
  let head = '';
  let makeRow: ((line: number, cells: string[]) => SourceRow) | null = null;
  const records: CsvRecord[] = [];

  function rows(): SourceRow[] {
    const batch: SourceRow[] = [];
    for (const record of records) {
      if (raw) {
        batch.push({ line: record.line, cells: {}, raw: record.cells });
        continue;
      }
      if (makeRow === null) {
        const resolved = resolveHeader(record.cells, warn);
        makeRow = sourceRowMaker(resolved.map);
        if (resolved.isHeader) continue;
      }
      batch.push(makeRow(record.line, record.cells));
    }
    records.length = 0;
    return batch;
  }

  try {
    for await (const text of decodeText(input, onEncoding)) {
      if (!tokenizer) {
        // The delimiter is chosen once the first line is complete.
        head += text;
        if (!/[\r\n]/.test(head) && head.length < MAX_RECORD_CHARS) continue;
        tokenizer = new CsvTokenizer(detectDelimiter(head.split(/\r?\n|\r/, 1)[0] ?? ''), MAX_RECORD_CHARS);
        tokenizer.push(head, records);
        head = '';
      } else {
        tokenizer.push(text, records);
      }
      const batch = rows();
      if (batch.length > 0) yield batch;
    }
    tokenizer ??= new CsvTokenizer(detectDelimiter(head), MAX_RECORD_CHARS);
    if (head) tokenizer.push(head, records);
    tokenizer.end(records);
    const last = rows();
    if (last.length > 0) yield last;
  } catch (err) {
    if (err instanceof CsvFormatError) {
      throw fileUnreadable('malformed_csv', `The CSV could not be read: ${err.message}`, err.problem, err.message, err.params, {
        line: err.line,
      });
    }
    throw err;
  }
}
