/**
 * SIM cards for an export, a page at a time in id order (keyset: `id > afterId`), so a million
 * rows are never held at once. knex's `.stream()` would not do: on SQLite it reads the whole
 * result into memory before emitting the first row.
 */
import { type Client as PgClient, escapeLiteral } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { isSqlite, type Queryable } from '../connection.js';
import type { SimcardRow } from '../rows.js';
import { applyFilter, type SimcardFilter } from './simcards.js';

export function pageAfter(db: Queryable, filter: SimcardFilter, afterId: number, limit: number): Promise<SimcardRow[]> {
  return applyFilter(db<SimcardRow>('simcards'), filter).where('id', '>', afterId).orderBy('id').limit(limit);
}

/** Every shop's code and name by id, to name the shop in each exported row without a join per page. */
export async function shopNames(db: Queryable): Promise<Map<number, { code: string; name: string }>> {
  const rows: { id: number; code: string; name: string }[] = await db('shops').select('id', 'code', 'name');
  return new Map(rows.map((r) => [r.id, { code: r.code, name: r.name }]));
}

/** A row of the CSV export as the database wrote it: `line` is null when JS must write it (see csvLinesAfter). */
export interface CsvLine {
  id: number;
  line: string | null;
}

/**
 * The CSV export's columns in its order, as SQL. `free`: free text a spreadsheet would run as a
 * formula (starting with = + - @, tab or CR) gets a leading apostrophe.
 */
interface CsvColumn {
  sql: string;
  kind: 'int' | 'text' | 'free' | 'date';
}
const CSV_COLUMNS: CsvColumn[] = [
  { sql: 'simcards.id', kind: 'int' },
  { sql: 'simcards.iccid', kind: 'text' },
  { sql: 'simcards.msisdn', kind: 'text' },
  { sql: 'simcards.operator', kind: 'text' },
  { sql: 'simcards.tariff', kind: 'free' },
  { sql: 'simcards.price', kind: 'int' },
  { sql: 'simcards.batch_id', kind: 'free' },
  { sql: 'simcards.status', kind: 'text' },
  { sql: 'simcards.provider_status', kind: 'text' },
  { sql: 'simcards.shop_id', kind: 'int' },
  { sql: 'shops.code', kind: 'text' },
  { sql: 'shops.name', kind: 'free' },
  { sql: 'simcards.assigned_at', kind: 'date' },
  { sql: 'simcards.activated_at', kind: 'date' },
  { sql: 'simcards.sold_at', kind: 'date' },
  { sql: 'simcards.last_checked_at', kind: 'date' },
  { sql: 'simcards.last_check_error', kind: 'free' },
  { sql: 'simcards.notes', kind: 'free' },
  { sql: 'simcards.created_at', kind: 'date' },
  { sql: 'simcards.updated_at', kind: 'date' },
];

/** The stored form `toIso` passes through unchanged (what `now()` writes); SQLite rows with any other form are written by JS. */
const SQLITE_ISO = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'";

/** One CSV field as SQL (RFC 4180: quoted only when it must be; null is empty), as export.ts writes it in JS. */
function csvFieldSql({ sql: x, kind }: CsvColumn, sqlite: boolean): string {
  if (kind === 'int') return sqlite ? `coalesce(${x}, '')` : `coalesce(${x}::text, '')`;
  // ISO-8601 UTC with milliseconds, as the API shows dates (toIso).
  if (kind === 'date')
    return sqlite ? `coalesce(${x}, '')` : `coalesce(to_char(${x} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')`;
  const chr = sqlite ? 'char' : 'chr';
  const value =
    kind === 'free' ? `(case when substr(${x}, 1, 1) in ('=', '+', '-', '@', ${chr}(9), ${chr}(13)) then '''' || ${x} else ${x} end)` : x;
  // The apostrophe never makes a field need quotes: that is decided on the stored value, named once or twice less.
  const mustQuote = sqlite
    ? [`'"'`, `','`, 'char(10)', 'char(13)'].map((needle) => `instr(${x}, ${needle}) > 0`).join(' or ')
    : `${x} ~ '[",\r\n]'`;
  return `coalesce(case when ${mustQuote} then '"' || replace(${value}, '"', '""') || '"' else ${value} end, '')`;
}

/** The field as it goes in a line that needs no quoting and no apostrophe (the common case): null is empty in concat(). */
function plainFieldSql({ sql: x, kind }: CsvColumn, sqlite: boolean): string {
  if (kind === 'date' && !sqlite) return `to_char(${x} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return x;
}

/**
 * Whether a row needs the field-by-field expression: a free-text field starting like a formula, or
 * any text field holding a quote, comma or line break. Tested once on all the text fields joined
 * (one glob or regular expression a row instead of four tests per field): measured in the sqlite3
 * shell on 100,000 rows at load ~17, the line took 3.3–3.8 s field by field and 2.4–3.4 s this way.
 */
function needsFieldsSql(sqlite: boolean): string {
  const text = CSV_COLUMNS.filter((c) => c.kind === 'text' || c.kind === 'free').map((c) => c.sql);
  const formula = CSV_COLUMNS.filter((c) => c.kind === 'free')
    .map((c) => `${sqlite ? 'unicode' : 'ascii'}(${c.sql}) in (61, 43, 45, 64, 9, 13)`)
    .join(' or ');
  const joined = `concat(${text.join(', ')})`;
  const special = sqlite ? `${joined} glob '*[",' || char(10) || char(13) || ']*'` : `${joined} ~ '[",\r\n]'`;
  return `${formula} or ${special}`;
}

const csvLineSql = new Map<boolean, string>();

/** The whole line as one SQL expression; on SQLite null when a date is not in the stored form `toIso` keeps. */
function lineSql(sqlite: boolean): string {
  let sql = csvLineSql.get(sqlite);
  if (sql === undefined) {
    const fields = CSV_COLUMNS.map((c) => csvFieldSql(c, sqlite)).join(` || ',' || `);
    sql = `case when ${needsFieldsSql(sqlite)} then ${fields} else ${plainLineSql(sqlite)} end`;
    if (sqlite) {
      const odd = CSV_COLUMNS.filter((c) => c.kind === 'date').map((c) => `(${c.sql} is not null and ${c.sql} not glob ${SQLITE_ISO})`);
      sql = `case when ${odd.join(' or ')} then null else ${sql} end`;
    }
    csvLineSql.set(sqlite, sql);
  }
  return sql;
}

/**
 * The CSV export's lines (without the line break), a page at a time in id order, written by the
 * database: a driver that hands back one string per row instead of twenty values is what makes a
 * large export fast (measured: 18 columns through node-sqlite3 cost ~4× the query itself). A
 * `null` line (SQLite, a date stored in another form) is for the caller to write from `rowsByIds`.
 */
export function csvLinesAfter(
  db: Queryable,
  filter: SimcardFilter,
  afterId: number,
  limit: number,
  throughId?: number,
): Promise<CsvLine[]> {
  return csvLinesQuery(db, filter, afterId, limit, throughId);
}

/** Every field as stored (dates in the API's form on PostgreSQL) joined by commas: no quoting, no formula guard, no check. */
function plainLineSql(sqlite: boolean): string {
  return `concat(${CSV_COLUMNS.map((c) => plainFieldSql(c, sqlite)).join(`, ',', `)})`;
}

/** `throughId`: no row after it (a page read again is the same page, whatever was deleted meanwhile). */
function csvLinesQuery(
  db: Queryable,
  filter: SimcardFilter,
  afterId: number,
  limit: number,
  throughId: number | undefined,
  line = lineSql(isSqlite(db)),
) {
  // The filter's conditions name `simcards.` columns: the join adds no ambiguity.
  const query = applyFilter(db('simcards'), filter)
    .leftJoin('shops', 'shops.id', 'simcards.shop_id')
    .select('simcards.id', db.raw(`${line} as line`))
    .where('simcards.id', '>', afterId);
  if (throughId !== undefined) query.where('simcards.id', '<=', throughId);
  return query.orderBy('simcards.id').limit(limit);
}

/** A page of the CSV export joined by the database: its lines, how many rows it read and the last id (for the next page). */
export interface CsvPage {
  rows: number;
  lastId: number | null;
  /** The page's lines joined by CRLF (without the last one); null when every line is. */
  text: string | null;
  /** Lines the database left to JS (SQLite, a date in another form): the page is then to be read with csvLinesAfter. */
  odd: number;
}

/**
 * The same lines as csvLinesAfter, joined into one string by the database: one value per page
 * for the driver instead of a row object and two values per SIM (node-sqlite3 and pg spend more
 * on 5,000 small rows than on one 1 MB string).
 */
export async function csvPageAfter(
  db: Queryable,
  filter: SimcardFilter,
  afterId: number,
  limit: number,
  throughId?: number,
): Promise<CsvPage> {
  const sqlite = isSqlite(db);
  const crlf = sqlite ? 'char(13) || char(10)' : 'chr(13) || chr(10)';
  const page = csvLinesQuery(db, filter, afterId, limit, throughId).as('page');
  const row = (await db
    .from(page)
    .select(
      db.raw('count(*) as "rows"'),
      db.raw('max(page.id) as "lastId"'),
      db.raw(`${sqlite ? 'group_concat' : 'string_agg'}(page.line, ${crlf} order by page.id) as "text"`),
      db.raw('count(*) - count(page.line) as "odd"'),
    )
    .first()) as { rows: number | string; lastId: number | string | null; text: string | null; odd: number | string };
  return { rows: Number(row.rows), lastId: row.lastId === null ? null : Number(row.lastId), text: row.text, odd: Number(row.odd) };
}

/** A page of plain lines (plainCsvPageAfter). */
export interface PlainCsvPage {
  rows: number;
  lastId: number | null;
  /** The page's lines joined by CRLF (without the last one); null when the page is empty. */
  text: string | null;
  /** Each line's length in characters (code points), in order, joined by commas: where each line ends in `text`, whatever it holds. */
  lengths: string | null;
}

/**
 * The page's rows as plainLineSql writes them (no per-row test: the cheapest line the database
 * can write), joined by CRLF in the order read (not sorted: the caller checks the ids), with each
 * line's length. Right for every row that needs no quotes, no apostrophe and no date rewritten;
 * the lengths let the caller find each row's line exactly (a field may hold a line break), check
 * it, and ask for the others (csvLinesByIds).
 */
export async function plainCsvPageAfter(db: Queryable, filter: SimcardFilter, afterId: number, limit: number): Promise<PlainCsvPage> {
  const sqlite = isSqlite(db);
  const crlf = sqlite ? 'char(13) || char(10)' : 'chr(13) || chr(10)';
  const page = csvLinesQuery(db, filter, afterId, limit, undefined, plainLineSql(sqlite)).as('page');
  const row = (await db
    .from(page)
    .select(
      db.raw('count(*) as "rows"'),
      db.raw('max(page.id) as "lastId"'),
      // Unsorted (the order the rows are read in, which is the subquery's): the caller checks the order.
      db.raw(`${sqlite ? 'group_concat' : 'string_agg'}(page.line, ${crlf}) as "text"`),
      db.raw(sqlite ? 'group_concat(length(page.line), \',\') as "lengths"' : 'string_agg(length(page.line)::text, \',\') as "lengths"'),
    )
    .first()) as { rows: number | string; lastId: number | string | null; text: string | null; lengths: string | null };
  return { rows: Number(row.rows), lastId: row.lastId === null ? null : Number(row.lastId), text: row.text, lengths: row.lengths };
}

/** These rows' lines with the CSV rules (as csvLinesAfter: null where JS must write the line), in id order. */
export function csvLinesByIds(db: Queryable, ids: readonly number[]): Promise<CsvLine[]> {
  return db('simcards')
    .leftJoin('shops', 'shops.id', 'simcards.shop_id')
    .select('simcards.id', db.raw(`${lineSql(isSqlite(db))} as line`))
    .whereIn('simcards.id', ids)
    .orderBy('simcards.id');
}

export function rowsByIds(db: Queryable, ids: number[]): Promise<SimcardRow[]> {
  return db<SimcardRow>('simcards').whereIn('id', ids).orderBy('id');
}

/**
 * A page of the API dump's XLSX sheet written by the database (xlsxPageAfter): the `<row>` elements
 * of `rows` rows numbered from `firstRow`, one string for the driver instead of twenty values a row.
 */
export interface XlsxPage {
  rows: number;
  lastId: number | null;
  /**
   * The rows in the order read (the caller checks it): `<row r="N">…</row>` for each row the database
   * wrote, `<row r="N" id="ID"/>` for each it left to the caller; null when the page is empty.
   */
  text: string | null;
}

/** The sheet's cell references: A for the first column… T for the twentieth. */
const CELL_LETTERS = CSV_COLUMNS.map((_, i) => String.fromCharCode(65 + i));

/**
 * One cell of the API dump's sheet as xlsx-writer.ts writes it for the value the API shows: an
 * integer as a number, text (dates included: ISO strings) inline; null and '' leave the cell out
 * (`||` with null is null). Right only for a row xlsxLeftToCallerSql lets through.
 */
function xlsxCellSql({ sql: x, kind }: CsvColumn, letter: string, sqlite: boolean): string {
  const ref = `'<c r="${letter}' || page.rn || '"`;
  if (kind === 'int') return `coalesce(${ref}><v>' || ${sqlite ? x : `${x}::text`} || '</v></c>', '')`;
  const value = kind === 'date' && !sqlite ? `to_char(${x} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : `nullif(${x}, '')`;
  return `coalesce(${ref} t="inlineStr"><is><t>' || ${value} || '</t></is></c>', '')`;
}

/**
 * Whether the caller must write the row (xmlText's escapes and whitespace rules, written once, in
 * JS): any text field holding an XML markup character (& < > "), a control character, U+FFFE/U+FFFF
 * or `_x` (which could read as Excel's _xHHHH_ escape), or starting or ending with a space (the
 * cell then needs xml:space); on SQLite also an integer column holding another type, or a date
 * stored in another form than the API's. Tested on the fields joined (two or three scans a row,
 * not four tests per field); `|` around each field makes a leading or trailing space show as `| `
 * or ` |` (a `|` inside a field can only add false alarms, which cost a row written in JS).
 */
function xlsxLeftToCallerSql(sqlite: boolean, c: (sql: string) => string): string {
  const text = CSV_COLUMNS.filter((col) => col.kind === 'text' || col.kind === 'free').map((col) => c(col.sql));
  const joined = `concat(${text.join(', ')})`;
  const fenced = `concat('|', ${text.join(`, '|', `)}, '|')`;
  if (!sqlite) return `${joined} ~ '[&<>"\\x01-\\x1f\\uFFFE\\uFFFF]|_x' or ${fenced} ~ '\\| | \\|'`;
  const controls = Array.from({ length: 31 }, (_, i) => i + 1).join(', ');
  const ints = CSV_COLUMNS.filter((col) => col.kind === 'int' && col.sql !== 'simcards.id').map(
    (col) => `(${c(col.sql)} is not null and typeof(${c(col.sql)}) <> 'integer')`,
  );
  const dates = CSV_COLUMNS.filter((col) => col.kind === 'date').map(
    (col) => `(${c(col.sql)} is not null and ${c(col.sql)} not glob ${SQLITE_ISO})`,
  );
  return [
    ...ints,
    ...dates,
    `${joined} glob '*[&<>"' || char(${controls}, 65534, 65535) || ']*'`,
    `${joined} glob '*_x*'`,
    // NUL ends a glob's pattern: looked for on its own.
    `instr(${joined}, char(0)) > 0`,
    `${fenced} glob '*| *'`,
    `${fenced} glob '* |*'`,
  ].join(' or ');
}

const xlsxRowSqlCache = new Map<boolean, string>();

/** A row's `<row>` element, or the marker of a row left to the caller, from the `page` subquery's columns c0…c19 and rn. */
function xlsxRowSql(sqlite: boolean): string {
  let sql = xlsxRowSqlCache.get(sqlite);
  if (sql === undefined) {
    const column = new Map(CSV_COLUMNS.map((col, i) => [col.sql, `page.c${i}`]));
    const c = (name: string) => column.get(name)!;
    const cells = CSV_COLUMNS.map((col, i) => xlsxCellSql({ ...col, sql: c(col.sql) }, CELL_LETTERS[i]!, sqlite)).join(' || ');
    sql =
      `case when ${xlsxLeftToCallerSql(sqlite, c)} then '<row r="' || page.rn || '" id="' || page.c0 || '"/>' ` +
      `else '<row r="' || page.rn || '">' || ${cells} || '</row>' end`;
    xlsxRowSqlCache.set(sqlite, sql);
  }
  return sql;
}

/**
 * The API dump's sheet rows after `afterId`, at most `limit`, numbered from `firstRow`, written by
 * the database as one string (the garbage of 1,000 row objects and 20,000 cell strings a page made
 * a 1,000,000-row export grow the process by ~100 MB while a busy machine's collector lagged).
 */
export async function xlsxPageAfter(
  db: Queryable,
  filter: SimcardFilter,
  afterId: number,
  limit: number,
  firstRow: number,
): Promise<XlsxPage> {
  const sqlite = isSqlite(db);
  // The page's SIMs (the filter names `simcards.` columns: the subquery keeps that name), their
  // shops, and each row's number in the sheet (a window over the page only: it is limited first).
  const sims = applyFilter(db('simcards'), filter)
    .select(CSV_COLUMNS.filter((col) => col.sql.startsWith('simcards.')).map((col) => col.sql))
    .where('simcards.id', '>', afterId)
    .orderBy('simcards.id')
    .limit(limit)
    .as('simcards');
  const numbered = db
    .from(sims)
    .leftJoin('shops', 'shops.id', 'simcards.shop_id')
    .select([
      ...CSV_COLUMNS.map((col, i) => db.raw(`${col.sql} as c${i}`)),
      db.raw(`cast(row_number() over (order by simcards.id) + ? as text) as rn`, [firstRow - 1]),
    ])
    .as('page');
  const rows = db
    .from(numbered)
    .select(db.raw('page.c0 as id'), db.raw(`${xlsxRowSql(sqlite)} as xml`))
    .as('x');
  const row = (await db
    .from(rows)
    .select(
      db.raw('count(*) as "rows"'),
      db.raw('max(x.id) as "lastId"'),
      db.raw(`${sqlite ? 'group_concat' : 'string_agg'}(x.xml, '') as "text"`),
    )
    .first()) as { rows: number | string; lastId: number | string | null; text: string | null };
  return { rows: Number(row.rows), lastId: row.lastId === null ? null : Number(row.lastId), text: row.text };
}

/**
 * PostgreSQL: the CSV export's page after `afterId` (at most `limit` rows, in id order) as COPY
 * writes it, `COPY (SELECT …) TO STDOUT (FORMAT csv)`, each chunk handed to `onChunk` as it
 * arrives (whole rows: the server sends one CopyData message a row). The same work the server
 * does for `psql \copy` of these rows: the columns as stored, dates as the server's own text in
 * UTC (`YYYY-MM-DD HH:MM:SS[.ffffff]`); the API's form (`…T…Z`, milliseconds, the formula guard,
 * CRLF) is written by the caller from those bytes. Writing the lines in SQL cost the server about
 * twice this (`to_char` of the dates, `concat`, `string_agg`): measured in the backend's CPU time
 * on 100,000 rows, this page 0.12 s a query of all of them, the plain lines 0.27 s.
 *
 * COPY takes no parameters: the filter's values are written into the statement as literals
 * (numbers checked finite, text through pg's escapeLiteral). The connection is held only while
 * the page is read, never while the client downloads it.
 */
export async function copyCsvPageAfter(
  db: Queryable,
  filter: SimcardFilter,
  afterId: number,
  limit: number,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  if (isSqlite(db)) throw new Error('copyCsvPageAfter: PostgreSQL only');
  const columns = CSV_COLUMNS.map((c) => (c.kind === 'date' ? `${c.sql} at time zone 'UTC'` : c.sql));
  const { sql, bindings } = applyFilter(db('simcards'), filter)
    .leftJoin('shops', 'shops.id', 'simcards.shop_id')
    .select(columns.map((c) => db.raw(c)))
    .where('simcards.id', '>', afterId)
    .orderBy('simcards.id')
    .limit(limit)
    .toSQL()
    .toNative();
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => literal(bindings[Number(n) - 1]));
  // Inside a transaction knex answers the transaction's own connection: released by it, not here.
  const inTransaction = (db as { isTransaction?: boolean }).isTransaction === true;
  const connection = (await db.client.acquireConnection()) as PgClient;
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = connection.query(copyTo(`copy (${text}) to stdout with (format csv)`));
      stream.on('data', onChunk);
      stream.once('end', resolve);
      stream.once('error', reject);
    });
  } finally {
    if (!inTransaction) db.client.releaseConnection(connection);
  }
}

/** A bound value as an SQL literal, for a statement that takes no parameters (COPY). */
function literal(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return escapeLiteral(value);
  throw new Error(`copyCsvPageAfter: cannot write ${typeof value} as a literal`);
}
