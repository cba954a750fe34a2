/**
 * SIM cards for an export, a page at a time in id order (keyset: `id > afterId`), so a million
 * rows are never held at once. knex's `.stream()` would not do: on SQLite it reads the whole
 * result into memory before emitting the first row.
 */
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
