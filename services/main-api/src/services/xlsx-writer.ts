/**
 * A streaming XLSX writer for the SIM export (issue 14, goal 5: a 1,000,000-row export adds
 * ≤ 60 MB RSS). exceljs' WorkbookWriter made a Row and a Cell object per value and piped its XML
 * through archiver's zip streams; the API process grew by ~190 MB on 300,000 rows. Here a sheet is
 * XML text built straight from the row arrays a page at a time (valueRows), or given already
 * written (SheetRows: the API dump's rows come from the database), each chunk deflated on its own
 * (zlib's thread pool, ending with a sync flush, not a final block: the chunks join into one
 * deflate stream) and yielded to the response; the zip's sizes and CRC go in a data descriptor
 * after each entry, so nothing is held but the chunk being written.
 *
 * What it writes: one or more sheets of inline strings, numbers and dates (a Date is an Excel
 * date serial with a date format: Excel sorts and filters it as a date); optionally column
 * widths, a bold frozen header row and an autofilter on it. The workbook, its relationships,
 * content types and styles come last, once the number of sheets is known (a zip's order does not
 * matter; the central directory names every entry).
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

export type XlsxValue = string | number | Date | null;

export interface XlsxOptions {
  /** The sheet's name: the first sheet is `name`, the next ones `name 2`, `name 3`… (≤ 31 characters). */
  sheetName: string;
  header: readonly string[];
  /** Rows per sheet (an XLSX sheet holds at most 1,048,576). */
  rowsPerSheet: number;
  /** Excel's number format for Date values, e.g. `yyyy-mm-dd hh:mm`. */
  dateFormat: string;
  /** For people: widths (characters) per column, a bold frozen header and an autofilter on it. */
  people?: { widths: readonly number[] };
}

const deflate = promisify<Buffer, ZlibOptions, Buffer>(deflateRaw);
/**
 * zlib's default level: on 100,000 export rows (micro-bench, load ~15) level 1 gave 6.7 MB, 4 gave 6.0 and 6 gave 5.2 MB for
 * ~10% more CPU than level 1; writing the XML costs more than deflating it.
 */
const DEFLATE: ZlibOptions = { level: 6, finishFlush: constants.Z_SYNC_FLUSH };
/** A deflate stream's last block: empty, final, fixed Huffman codes. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
/** Excel's serial day of 1970-01-01 (1900 date system). */
const EXCEL_EPOCH_DAYS = 25569;
const MS_PER_DAY = 86_400_000;
/** Styles (cellXfs): 0 plain, 1 bold (header), 2 date. */
const BOLD = 1;
const DATE = 2;

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

// Characters XML 1.0 cannot hold (written as Excel's _xHHHH_), the markup ones, and text that reads
// as such an escape already (its underscore escaped, as Excel does).
// eslint-disable-next-line no-control-regex -- the control characters are what is matched
const NEEDS_ESCAPE = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|_x[0-9a-fA-F]{4}_/;
// eslint-disable-next-line no-control-regex -- as above
const ESCAPES = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|_(?=x[0-9a-fA-F]{4}_)/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

export function xmlText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPES, (c) => ENTITIES[c] ?? `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/** Column letters: 1 → A, 27 → AA. */
function columnName(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** One cell's XML; empty for null and '' (the cell is left out: blank). */
function cell(ref: string, value: XlsxValue, style: number): string {
  if (value === null || value === '') return '';
  const s = style === 0 ? '' : ` s="${style}"`;
  if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${ref}"${s}><v>${value}</v></c>` : '';
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? '' : `<c r="${ref}" s="${DATE}"><v>${ms / MS_PER_DAY + EXCEL_EPOCH_DAYS}</v></c>`;
  }
  // Leading or trailing white space is kept only when the text says so.
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  const space = first <= 32 || last <= 32 ? ' xml:space="preserve"' : '';
  return `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${xmlText(value)}</t></is></c>`;
}

/** Column letters by index (0 → A), computed once for the widest sheet seen. */
const LETTERS: string[] = [];
function letters(i: number): string {
  while (LETTERS.length <= i) LETTERS.push(columnName(LETTERS.length + 1));
  return LETTERS[i]!;
}

/** One `<row>` element: row number `r` (1 is the header), the values in column order. */
export function rowXml(r: number, values: readonly XlsxValue[], style = 0): string {
  let xml = `<row r="${r}">`;
  for (let i = 0; i < values.length; i++) xml += cell(letters(i) + r, values[i]!, style);
  return `${xml}</row>`;
}

/** Rows' XML, `rows` rows' worth of row numbers (a row gone meanwhile may leave its number unused). */
export interface RowsXml {
  /** The text, or its UTF-8 bytes. */
  xml: string | Buffer;
  rows: number;
}

/**
 * A sheet's rows, as XML, a chunk at a time; the writer says which row number comes next, so a
 * source may have the rows written elsewhere (export.ts: by the database).
 */
export interface SheetRows {
  /** The next rows numbered from `firstRow`, at most `room` (≥ 1) of them; null when no row is left. */
  next(firstRow: number, room: number): Promise<RowsXml | null>;
  /** The reader went away or the workbook is done: stop reading the source. */
  close(): Promise<void>;
}

/**
 * Rows of values, a page at a time, each page written whole by rowXml as soon as it is read (up to
 * the room left on the sheet) and kept as UTF-8 bytes until the writer takes it: the page's values
 * and the many small strings of its XML die young instead of waiting for the client, which made a
 * CPU-starved collector promote them to old space as garbage.
 */
export function valueRows(pages: AsyncIterable<XlsxValue[][]>): SheetRows {
  const source = pages[Symbol.asyncIterator]();
  let page: XlsxValue[][] = [];
  let at = 0;
  return {
    async next(firstRow, room) {
      while (at >= page.length) {
        page = [];
        const next = await source.next();
        if (next.done) return null;
        page = next.value;
        at = 0;
      }
      const rows = Math.min(room, page.length - at);
      let xml = '';
      for (let i = 0; i < rows; i++) xml += rowXml(firstRow + i, page[at + i]!);
      at += rows;
      if (at >= page.length) page = [];
      return { xml: Buffer.from(xml, 'utf8'), rows };
    },
    async close() {
      page = [];
      await source.return?.(undefined);
    },
  };
}

interface ZipEntry {
  name: Buffer;
  offset: number;
  crc: number;
  compressed: number;
  size: number;
}

/** The zip container: local headers with data descriptors (sizes after the data), then the central directory. */
class Zip {
  private offset = 0;
  private readonly entries: ZipEntry[] = [];
  private readonly time: number;
  private readonly date: number;

  constructor(now = new Date()) {
    this.time = (now.getHours() << 11) | (now.getMinutes() << 5) | Math.floor(now.getSeconds() / 2);
    this.date = ((now.getFullYear() - 1980) << 9) | ((now.getMonth() + 1) << 5) | now.getDate();
  }

  /** An entry's bytes, its text given block by block. */
  async *entry(name: string, blocks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>): AsyncGenerator<Buffer> {
    const entry: ZipEntry = { name: Buffer.from(name), offset: this.offset, crc: 0, compressed: 0, size: 0 };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    header.writeUInt16LE(0x0808, 6); // bit 3: sizes in a data descriptor; bit 11: UTF-8 names
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt16LE(this.time, 10);
    header.writeUInt16LE(this.date, 12);
    // CRC and sizes (14–25) stay 0: the data descriptor has them.
    header.writeUInt16LE(entry.name.length, 26);
    yield this.count(Buffer.concat([header, entry.name]));
    for await (const text of blocks) {
      const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      entry.crc = crc32(raw, entry.crc);
      entry.size += raw.length;
      const packed = await deflate(raw, DEFLATE);
      entry.compressed += packed.length;
      yield this.count(packed);
    }
    entry.compressed += FINAL_BLOCK.length;
    yield this.count(FINAL_BLOCK);
    // Without zip64 a size must fit 32 bits: 1,000,000 rows a sheet stay far below (~1 GB at most for 4 KB rows).
    if (entry.size > 0xffffffff || this.offset > 0xffffffff) throw new Error(`xlsx: ${name} is too large for a zip without zip64`);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(entry.crc, 4);
    descriptor.writeUInt32LE(entry.compressed, 8);
    descriptor.writeUInt32LE(entry.size, 12);
    yield this.count(descriptor);
    this.entries.push(entry);
  }

  /** The central directory and its end record. */
  end(): Buffer {
    const start = this.offset;
    const records = this.entries.map((e) => {
      const r = Buffer.alloc(46);
      r.writeUInt32LE(0x02014b50, 0);
      r.writeUInt16LE(20, 4); // made by: 2.0
      r.writeUInt16LE(20, 6);
      r.writeUInt16LE(0x0808, 8);
      r.writeUInt16LE(8, 10);
      r.writeUInt16LE(this.time, 12);
      r.writeUInt16LE(this.date, 14);
      r.writeUInt32LE(e.crc, 16);
      r.writeUInt32LE(e.compressed, 20);
      r.writeUInt32LE(e.size, 24);
      r.writeUInt16LE(e.name.length, 28);
      r.writeUInt32LE(e.offset, 42);
      return Buffer.concat([r, e.name]);
    });
    const directory = Buffer.concat(records);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(start, 16);
    return this.count(Buffer.concat([directory, end]));
  }

  private count(b: Buffer): Buffer {
    this.offset += b.length;
    return b;
  }
}

/**
 * A sheet's XML: the header, then the source's chunks until the sheet holds `rowsPerSheet` data
 * rows or the source is done, from `first` (the sheet's first chunk, already read: a sheet is
 * started only for rows). `after.next`: the next sheet's first chunk, or null.
 */
async function* sheetXml(
  source: SheetRows,
  first: RowsXml | null,
  o: XlsxOptions,
  after: { next: RowsXml | null },
): AsyncGenerator<string | Buffer> {
  let head = `${XML_DECL}<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">`;
  if (o.people) {
    head += '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>';
    head += '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>';
    head += `<cols>${o.people.widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('')}</cols>`;
  }
  yield `${head}<sheetData>${rowXml(1, o.header, o.people ? BOLD : 0)}`;
  let filled = 0;
  for (let chunk = first; chunk !== null;) {
    yield chunk.xml;
    filled += chunk.rows;
    if (filled >= o.rowsPerSheet) break;
    chunk = await source.next(filled + 2, o.rowsPerSheet - filled);
  }
  // A full sheet: a next one only if rows remain.
  after.next = filled >= o.rowsPerSheet ? await source.next(2, o.rowsPerSheet) : null;
  let tail = '</sheetData>';
  if (o.people) tail += `<autoFilter ref="A1:${columnName(o.header.length)}1"/>`;
  yield `${tail}</worksheet>`;
}

function sheetTitle(o: XlsxOptions, n: number): string {
  return n === 1 ? o.sheetName : `${o.sheetName} ${n}`;
}

function workbookXml(o: XlsxOptions, sheets: number, columns: number): string {
  const names = Array.from({ length: sheets }, (_, i) => sheetTitle(o, i + 1));
  let xml = `${XML_DECL}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><bookViews><workbookView/></bookViews><sheets>`;
  xml += names.map((n, i) => `<sheet name="${xmlText(n)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
  xml += '</sheets>';
  if (o.people) {
    // Excel's own name for a sheet's autofilter range.
    const last = columnName(columns);
    const defined = names.map(
      (n, i) =>
        `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">${xmlText(`'${n.replaceAll("'", "''")}'`)}!$A$1:$${last}$1</definedName>`,
    );
    xml += `<definedNames>${defined.join('')}</definedNames>`;
  }
  return `${xml}</workbook>`;
}

function workbookRels(sheets: number): string {
  let xml = `${XML_DECL}<Relationships xmlns="${NS_PKG_REL}">`;
  for (let i = 1; i <= sheets; i++) xml += `<Relationship Id="rId${i}" Type="${NS_REL}/worksheet" Target="worksheets/sheet${i}.xml"/>`;
  return `${xml}<Relationship Id="rId${sheets + 1}" Type="${NS_REL}/styles" Target="styles.xml"/></Relationships>`;
}

function contentTypes(sheets: number): string {
  const ct = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
  let xml = `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`;
  xml += '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>';
  xml += '<Default Extension="xml" ContentType="application/xml"/>';
  xml += `<Override PartName="/xl/workbook.xml" ContentType="${ct}.sheet.main+xml"/>`;
  for (let i = 1; i <= sheets; i++) xml += `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="${ct}.worksheet+xml"/>`;
  return `${xml}<Override PartName="/xl/styles.xml" ContentType="${ct}.styles+xml"/></Types>`;
}

const ROOT_RELS = `${XML_DECL}<Relationships xmlns="${NS_PKG_REL}"><Relationship Id="rId1" Type="${NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`;

function stylesXml(dateFormat: string): string {
  const font = '<sz val="11"/><name val="Calibri"/><family val="2"/>';
  return (
    `${XML_DECL}<styleSheet xmlns="${NS_MAIN}">` +
    `<numFmts count="1"><numFmt numFmtId="164" formatCode="${xmlText(dateFormat)}"/></numFmts>` +
    `<fonts count="2"><font>${font}</font><font><b/>${font}</font></fonts>` +
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
  );
}

async function* workbookBytes(source: SheetRows, o: XlsxOptions): AsyncGenerator<Buffer> {
  const zip = new Zip();
  try {
    let sheets = 0;
    const after: { next: RowsXml | null } = { next: await source.next(2, o.rowsPerSheet) };
    do {
      sheets++;
      yield* zip.entry(`xl/worksheets/sheet${sheets}.xml`, sheetXml(source, after.next, o, after));
    } while (after.next !== null);
    yield* zip.entry('xl/workbook.xml', [workbookXml(o, sheets, o.header.length)]);
    yield* zip.entry('xl/_rels/workbook.xml.rels', [workbookRels(sheets)]);
    yield* zip.entry('xl/styles.xml', [stylesXml(o.dateFormat)]);
    yield* zip.entry('_rels/.rels', [ROOT_RELS]);
    yield* zip.entry('[Content_Types].xml', [contentTypes(sheets)]);
    yield zip.end();
  } finally {
    // Done, or the client went away: stop reading the source.
    await source.close();
  }
}

/**
 * The workbook as a byte stream that reads its rows only as fast as its reader takes the bytes
 * (Readable.from pulls the next chunk when the last one is taken); destroying it stops the source.
 * `rows`: pages of values, or a SheetRows that writes the rows' XML itself.
 */
export function xlsxStream(rows: AsyncIterable<XlsxValue[][]> | SheetRows, o: XlsxOptions): Readable {
  const source = 'close' in rows ? rows : valueRows(rows);
  return Readable.from(workbookBytes(source, o), { objectMode: false });
}
