/**
 * An XLSX workbook (a file on disk) → the rows of its first worksheet, streamed. The line is the
 * spreadsheet's row number.
 *
 * Read with our own zip and XML readers rather than exceljs (see zip.ts for why): a cut file is
 * a 400 at once, every part is inflated as a counted stream under the caps of ParseLimits, and
 * only the shared strings (capped) are held in memory — rows never are.
 */
import { posix } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { type ColumnMap, resolveHeader, toSourceRow } from './columns.js';
import { MAX_CELL_CHARS, type ParseLimits } from './limits.js';
import type { CellValue, SourceRow, WarnFn } from './source-row.js';
import { attribute, attributePattern, malformedXml, type XmlHandler, XmlScanner } from './xml-scanner.js';
import {
  badXlsx,
  readMember,
  readSmallMember,
  readZipDirectory,
  type XlsxCapCode,
  xlsxTooLarge,
  type ZipDirectory,
  type ZipMember,
} from './zip.js';

const BATCH_ROWS = 1000;

const ID = attributePattern('Id');
const TARGET = attributePattern('Target');
const TYPE = attributePattern('Type');
const REL_ID = attributePattern('id', true);
const R = attributePattern('r');
const T = attributePattern('t');
const REF = attributePattern('ref');
const UNIQUE_COUNT = attributePattern('uniqueCount');
const DATE_1904 = attributePattern('date1904');

interface Relationship {
  type: string;
  target: string;
}

/** A relationships part: Id → type and target resolved against the part it belongs to. */
function relationships(xml: string, base: string): Map<string, Relationship> {
  const out = new Map<string, Relationship>();
  for (const m of xml.matchAll(/<(?:\w+:)?Relationship\b([^>]*)>/g)) {
    const id = attribute(m[1]!, ID);
    const target = attribute(m[1]!, TARGET);
    if (!id || !target) continue;
    const resolved = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(base, target));
    out.set(id, { type: attribute(m[1]!, TYPE) ?? '', target: resolved });
  }
  return out;
}

function relsPathOf(part: string): string {
  return posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`);
}

function member(zip: ZipDirectory, name: string): ZipMember | undefined {
  return zip.members.get(name);
}

/** The first worksheet's part, the shared strings' part (if any), and whether the book is in the 1904 date system. */
async function locateParts(
  zip: ZipDirectory,
  signal: AbortSignal,
): Promise<{ sheet: ZipMember; sharedStrings: ZipMember | undefined; date1904: boolean }> {
  let workbookPath = 'xl/workbook.xml';
  const rootRels = member(zip, '_rels/.rels');
  if (rootRels) {
    for (const rel of relationships(await readSmallMember(zip, rootRels, 'package relationships', signal), '').values()) {
      if (rel.type.endsWith('/officeDocument')) workbookPath = rel.target;
    }
  }
  const workbook = member(zip, workbookPath);
  if (!workbook) throw badXlsx('not_a_workbook', 'the file is a zip archive but not an Excel workbook (it has no workbook part)');
  const workbookXml = await readSmallMember(zip, workbook, 'workbook part', signal);
  const relsMember = member(zip, relsPathOf(workbookPath));
  const rels = relsMember
    ? relationships(await readSmallMember(zip, relsMember, 'workbook relationships', signal), posix.dirname(workbookPath))
    : new Map<string, Relationship>();
  const firstSheet = /<(?:\w+:)?sheet\b([^>]*)>/.exec(workbookXml);
  const sheetRel = firstSheet ? attribute(firstSheet[1]!, REL_ID) : null;
  const sheetPath = (sheetRel && rels.get(sheetRel)?.target) ?? posix.join(posix.dirname(workbookPath), 'worksheets/sheet1.xml');
  const sheet = member(zip, sheetPath);
  if (!sheet) throw badXlsx('not_a_workbook', 'the workbook has no worksheet');
  const sstPath = [...rels.values()].find((r) => r.type.endsWith('/sharedStrings'))?.target;
  // Mac Excel's option "Use 1904 date system": date cells are days since 1904-01-01, 1,462 fewer
  // than the same date's in the 1900 system. An xsd:boolean: `1` or `true`.
  const workbookPr = /<(?:\w+:)?workbookPr\b([^>]*)>/.exec(workbookXml);
  const date1904 = workbookPr ? /^(1|true)$/i.test((attribute(workbookPr[1]!, DATE_1904) ?? '').trim()) : false;
  return { sheet, sharedStrings: sstPath ? member(zip, sstPath) : undefined, date1904 };
}

/** Feeds a member's text to an XML handler, chunk by chunk; `after` runs after each chunk. */
async function* scanMember(
  zip: ZipDirectory,
  part: ZipMember,
  handler: XmlHandler,
  limits: { maxBytes: number; code: XlsxCapCode; what: string; signal: AbortSignal },
): AsyncGenerator<void> {
  const scanner = new XmlScanner(handler);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of readMember(zip, part, limits)) {
    scanner.push(decoder.write(chunk));
    yield;
  }
  scanner.push(decoder.end());
  scanner.end();
}

async function readSharedStrings(zip: ZipDirectory, part: ZipMember, limits: ParseLimits, signal: AbortSignal): Promise<string[]> {
  const strings: string[] = [];
  let current: string | null = null;
  let inText = false;
  // Phonetic guides (<rPh>) hold a reading of the text, not the text.
  let phonetic = 0;
  const handler: XmlHandler = {
    open(name, attributes) {
      if (name === 'si') current = '';
      else if (name === 't') inText = true;
      else if (name === 'rPh') phonetic++;
      else if (name === 'sst') {
        const declared = Number(attribute(attributes, UNIQUE_COUNT) ?? 0);
        if (declared > limits.maxSharedStrings) throw tooManyStrings(limits);
      }
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si' && current !== null) {
        if (strings.length >= limits.maxSharedStrings) throw tooManyStrings(limits);
        strings.push(current);
        current = null;
      }
    },
    text(text) {
      if (inText && phonetic === 0 && current !== null && current.length < MAX_CELL_CHARS)
        current = (current + text).slice(0, MAX_CELL_CHARS);
    },
  };
  for await (const _ of scanMember(zip, part, handler, {
    maxBytes: limits.maxSharedStringsBytes,
    code: 'xlsx_too_large',
    what: 'shared strings',
    signal,
  })) {
    // The scan runs in the loop's header; nothing to do between chunks.
  }
  return strings;
}

function tooManyStrings(limits: ParseLimits) {
  return xlsxTooLarge(
    'xlsx_too_large',
    `The XLSX file holds more than ${limits.maxSharedStrings.toLocaleString('en')} different texts (an XLSX bomb, or split the file)`,
    limits.maxSharedStrings,
    'file.too_many_texts',
  );
}

/**
 * Counts the sheet's rows before reading it: inflating and searching for `<row` costs a tenth of
 * parsing, so a sheet of millions of rows (25 MB can hold 5 million) is refused in a second or
 * two instead of after its first million rows have been read and checked. Rows without cells
 * count too, so the limit has a little room.
 */
async function refuseTooManyRows(zip: ZipDirectory, sheet: ZipMember, limits: ParseLimits, signal: AbortSignal): Promise<void> {
  const allowed = limits.maxXlsxRows + 1000;
  const pattern = /<(?:[\w.-]+:)?row[\s>/]/g;
  let rows = 0;
  let carry = '';
  const decoder = new StringDecoder('utf8');
  for await (const chunk of readMember(zip, sheet, { maxBytes: limits.maxSheetBytes, code: 'xlsx_too_large', what: 'worksheet', signal })) {
    const text = carry + decoder.write(chunk);
    for (pattern.lastIndex = 0; pattern.exec(text) !== null;) rows++;
    if (rows > allowed) {
      throw xlsxTooLarge(
        'too_many_rows',
        `The XLSX file has more than ${limits.maxXlsxRows.toLocaleString('en')} rows: split it, or import it as CSV`,
        limits.maxXlsxRows,
      );
    }
    // A `<row` cut by the chunk's end is counted with the next chunk; a complete one is not kept (it was counted).
    const cut = text.lastIndexOf('<');
    carry = cut !== -1 && text.length - cut < 32 ? text.slice(cut) : '';
    if (carry && pattern.test(carry)) carry = '';
    pattern.lastIndex = 0;
  }
}

/** `B12` → column 2 (1-based); null when the reference is missing or unreadable. */
function columnOf(ref: string | null): number | null {
  if (!ref) return null;
  let col = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) col = col * 26 + (c - 64);
    else if (c >= 97 && c <= 122) col = col * 26 + (c - 96);
    else break;
    if (col > 16384) return col;
  }
  return col === 0 ? null : col;
}

/** The value a spreadsheet shows, as text or a number (the ICCID checks need to tell them apart). */
function cellOf(type: string, text: string, strings: string[], ref: string): CellValue {
  switch (type) {
    case 's': {
      const index = Number(text);
      if (text.trim() === '') return null;
      if (!Number.isInteger(index) || index < 0 || index >= strings.length) {
        throw badXlsx('malformed_xlsx', `cell ${ref} refers to shared text ${text.trim()}, which the file does not hold (a damaged file)`);
      }
      return strings[index]!.trim();
    }
    case 'inlineStr':
    case 'str':
    case 'd':
      return text.trim();
    case 'e':
      return text;
    case 'b':
      return text.trim() === '1' ? 'true' : 'false';
    default: {
      const trimmed = text.trim();
      if (trimmed === '') return null;
      const n = Number(trimmed);
      return Number.isFinite(n) ? n : trimmed;
    }
  }
}

export interface XlsxOptions {
  limits: ParseLimits;
  signal: AbortSignal;
  /** Yield every row's cells as read (`SourceRow.raw`), the header not resolved. */
  raw?: boolean;
}

/** Rows in batches of up to BATCH_ROWS: one await per batch, not per row. */
export async function* parseXlsx(path: string, warn: WarnFn, { limits, signal, raw = false }: XlsxOptions): AsyncGenerator<SourceRow[]> {
  const zip = await readZipDirectory(path);
  const parts = await locateParts(zip, signal);
  await refuseTooManyRows(zip, parts.sheet, limits, signal);
  const strings = parts.sharedStrings ? await readSharedStrings(zip, parts.sharedStrings, limits, signal) : [];

  // Only an activation report (raw rows) reads date cells: a 1904 book's flag travels on its rows.
  const rawRow = parts.date1904
    ? (line: number, cells: CellValue[]): SourceRow => ({ line, cells: {}, raw: cells, date1904: true })
    : (line: number, cells: CellValue[]): SourceRow => ({ line, cells: {}, raw: cells });
  let map: ColumnMap | null = null;
  let batch: SourceRow[] = [];
  let dataRows = 0;
  let rowNumber = 0;
  let cells: CellValue[] = [];
  let inRow = false;
  let column = 0;
  let cellType = '';
  let cellRef = '';
  let cellText = '';
  let inCell = false;
  /** Inside <v> or an inline string's <t> (not its phonetic reading). */
  let capturing = false;
  let phonetic = 0;

  const endRow = () => {
    inRow = false;
    if (cells.every((c) => c === null || c === '')) return;
    if (map === null && !raw) {
      const resolved = resolveHeader(cells, warn);
      map = resolved.map;
      if (resolved.isHeader) return;
    }
    if (++dataRows > limits.maxXlsxRows) {
      throw xlsxTooLarge(
        'too_many_rows',
        `The XLSX file has more than ${limits.maxXlsxRows.toLocaleString('en')} rows: split it, or import it as CSV`,
        limits.maxXlsxRows,
      );
    }
    batch.push(raw ? rawRow(rowNumber, cells) : toSourceRow(rowNumber, cells, map!));
  };

  const handler: XmlHandler = {
    open(name, attributes) {
      switch (name) {
        case 'row': {
          const r = Number(attribute(attributes, R));
          rowNumber = Number.isInteger(r) && r > rowNumber ? r : rowNumber + 1;
          cells = [];
          column = 0;
          inRow = true;
          break;
        }
        case 'c': {
          if (!inRow) throw malformedXml('a cell outside a row');
          const ref = attribute(attributes, R);
          const col = columnOf(ref);
          column = col !== null && col > column ? col : column + 1;
          if (column > limits.maxXlsxColumns) {
            throw xlsxTooLarge(
              'too_many_columns',
              `The XLSX sheet has a cell in column ${column}; at most ${limits.maxXlsxColumns} columns are read`,
              limits.maxXlsxColumns,
            );
          }
          cellType = attribute(attributes, T) ?? 'n';
          cellRef = ref ?? `row ${rowNumber} column ${column}`;
          cellText = '';
          inCell = true;
          break;
        }
        case 'v':
        case 't':
          if (inCell && phonetic === 0) capturing = true;
          break;
        case 'rPh':
          phonetic++;
          break;
        case 'dimension': {
          // `A1:E5000000`: a sheet that says it has millions of rows is refused before it is read.
          const last = /(\d+)\s*$/.exec(attribute(attributes, REF) ?? '');
          if (last && Number(last[1]) > limits.maxXlsxRows + 1) {
            throw xlsxTooLarge(
              'too_many_rows',
              `The XLSX sheet says it has ${Number(last[1]).toLocaleString('en')} rows; at most ${limits.maxXlsxRows.toLocaleString('en')} are imported: split it, or import it as CSV`,
              limits.maxXlsxRows,
            );
          }
          break;
        }
      }
    },
    close(name) {
      switch (name) {
        case 'v':
        case 't':
          capturing = false;
          break;
        case 'rPh':
          phonetic--;
          break;
        case 'c':
          if (inCell) {
            while (cells.length < column - 1) cells.push(null);
            cells[column - 1] = cellOf(cellType, cellText, strings, cellRef);
            inCell = false;
          }
          break;
        case 'row':
          if (inRow) endRow();
          break;
      }
    },
    text(text) {
      if (capturing && cellText.length < MAX_CELL_CHARS) cellText = (cellText + text).slice(0, MAX_CELL_CHARS);
    },
  };

  for await (const _ of scanMember(zip, parts.sheet, handler, {
    maxBytes: limits.maxSheetBytes,
    code: 'xlsx_too_large',
    what: 'worksheet',
    signal,
  })) {
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
