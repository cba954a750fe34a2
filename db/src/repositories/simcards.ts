import type { Knex } from 'knex';
import { isSqlite, type Queryable, queryRows, statementRows } from '../connection.js';
import type { DbTimestamp, Page, PageRequest, SimcardRow, SimcardStatus } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';
import * as simcardTallies from './simcard-tallies.js';

export const SIMCARD_SORT_COLUMNS = [
  'id',
  'iccid',
  'msisdn',
  'status',
  'operator',
  'price',
  'batch_id',
  'created_at',
  'updated_at',
  'assigned_at',
  'sold_at',
  'last_checked_at',
] as const;
export type SimcardSortColumn = (typeof SIMCARD_SORT_COLUMNS)[number];

/** A time window on one column: `from` inclusive; `before` exclusive, `until` inclusive (ISO instants). */
export interface InstantRange {
  from?: string | undefined;
  before?: string | undefined;
  until?: string | undefined;
}

export interface SimcardFilter {
  /** Staff scope or an explicit filter: only this shop's SIMs. */
  shopId?: number;
  status?: SimcardStatus;
  operator?: string;
  batchId?: string;
  /**
   * Digits. 4 or more: found anywhere in the ICCID or the phone number (prefix, middle, the last
   * digits); fewer: the start of the ICCID, or of the phone number with or without 998.
   */
  q?: string;
  soldAt?: InstantRange | undefined;
  assignedAt?: InstantRange | undefined;
  createdAt?: InstantRange | undefined;
}

export type NewSimcard = Pick<
  SimcardRow,
  'iccid' | 'msisdn' | 'operator' | 'tariff' | 'price' | 'batch_id' | 'shop_id' | 'status' | 'assigned_at' | 'notes'
>;
export type SimcardPatch = Partial<Omit<SimcardRow, 'id' | 'created_at' | 'updated_at'>>;

export function findById(db: Queryable, id: number): Promise<SimcardRow | undefined> {
  return db<SimcardRow>('simcards').where({ id }).first();
}

/**
 * Narrows a query on `simcards` to `filter`: one definition for the list and the export.
 * `q` is matched here by plain expressions on the row (no index): the list first picks the
 * index that serves a search (simcard-search.ts), the export reads every row anyway.
 * `table` qualifies the columns when the query joins another table.
 */
export function applyFilter(qb: Knex.QueryBuilder, filter: SimcardFilter, table = 'simcards', walkSortIndex = false): Knex.QueryBuilder {
  applyFieldFilters(qb, filter, table, walkSortIndex);
  if (filter.q) {
    const { sql, bindings } = searchPredicate(qb, filter.q, table);
    qb.whereRaw(sql, bindings);
  }
  return qb;
}

/** One condition of a filter, as SQL on the row's own columns with `?` placeholders. */
export interface SqlCondition {
  sql: string;
  bindings: Array<string | number>;
}

/**
 * Every filter but `q`, as conditions: one definition for knex queries (applyFieldFilters) and
 * the list's statements run straight on the pool (simcard-search.ts). `walkSortIndex` (SQLite):
 * the shop, status and operator conditions are written so that no index serves them
 * (`+column`), which leaves the planner the sort's index to walk: for a broad filter (every sold
 * SIM) that stops after one page, where the filter's index would fetch and sort all 300,000 of them.
 */
export function fieldConditions(filter: SimcardFilter, table = 'simcards', walkSortIndex = false): SqlCondition[] {
  const out: SqlCondition[] = [];
  const eq = (column: string, value: string | number) =>
    out.push({ sql: `${walkSortIndex ? '+' : ''}${table}.${column} = ?`, bindings: [value] });
  if (filter.shopId !== undefined) eq('shop_id', filter.shopId);
  if (filter.status) eq('status', filter.status);
  if (filter.operator) eq('operator', filter.operator);
  if (filter.batchId) out.push({ sql: `${table}.batch_id = ?`, bindings: [filter.batchId] });
  for (const [column, range] of [
    ['sold_at', filter.soldAt],
    ['assigned_at', filter.assignedAt],
    ['created_at', filter.createdAt],
  ] as const) {
    if (!range) continue;
    if (range.from !== undefined) out.push({ sql: `${table}.${column} >= ?`, bindings: [range.from] });
    if (range.before !== undefined) out.push({ sql: `${table}.${column} < ?`, bindings: [range.before] });
    if (range.until !== undefined) out.push({ sql: `${table}.${column} <= ?`, bindings: [range.until] });
  }
  return out;
}

/** Every filter but `q` on a knex query (see fieldConditions). */
export function applyFieldFilters(
  qb: Knex.QueryBuilder,
  filter: SimcardFilter,
  table = 'simcards',
  walkSortIndex = false,
): Knex.QueryBuilder {
  for (const c of fieldConditions(filter, table, walkSortIndex)) qb.whereRaw(c.sql, c.bindings);
  return qb;
}

/** Shortest `q` searched anywhere in the numbers; shorter ones are prefixes. */
export const SEARCH_ANYWHERE_MIN = 4;

/**
 * `q` as a condition on the row's own columns, written so that no index can serve it (the
 * caller chose to walk another index, or to read every row): `instr`/`strpos` for a search
 * anywhere, `substr` for a prefix.
 */
export function searchPredicate(qb: Knex.QueryBuilder | Knex, q: string, table = 'simcards'): { sql: string; bindings: string[] } {
  const iccid = `${table}.iccid`;
  const msisdn = `${table}.msisdn`;
  if (q.length >= SEARCH_ANYWHERE_MIN) {
    const find = (qb as { client: { config: { client: string } } }).client.config.client === 'sqlite3' ? 'instr' : 'strpos';
    return { sql: `(${find}(${iccid}, ?) > 0 or ${find}(${msisdn}, ?) > 0)`, bindings: [q, q] };
  }
  const n = q.length;
  return {
    sql: `(substr(${iccid}, 1, ${n}) = ? or substr(${msisdn}, 1, ${n + 1}) = ? or substr(${msisdn}, 1, ${n + 4}) = ?)`,
    bindings: [q, `+${q}`, `+998${q}`],
  };
}

export interface SimcardPage extends Page<SimcardRow> {
  /** False when a broad search stopped counting at `SEARCH_COUNT_CAP` (total is then that cap). */
  totalExact: boolean;
  /** The page's last row as a keyset position when more rows follow; null on the last page. */
  next: SimcardKey | null;
}

/**
 * A row's place in a sort: its sort column's value (null for a SIM without one; unused when the
 * sort is by id) and its id, which breaks ties. Timestamps are ISO strings.
 */
export interface SimcardKey {
  value: string | number | null;
  id: number;
}

/** A page by offset, or (keyset) the rows after `after` in the same sort: then `offset` is 0. */
export interface SimcardPageRequest extends PageRequest {
  after?: SimcardKey | undefined;
}

/** Sort columns that may be NULL: a keyset position on them may be null, and NULLs have their own place in the order. */
export const NULLABLE_SORT_COLUMNS: ReadonlySet<SimcardSortColumn> = new Set([
  'msisdn',
  'operator',
  'price',
  'batch_id',
  'assigned_at',
  'sold_at',
  'last_checked_at',
]);
/** Sort columns holding instants. */
export const INSTANT_SORT_COLUMNS: ReadonlySet<SimcardSortColumn> = new Set([
  'created_at',
  'updated_at',
  'assigned_at',
  'sold_at',
  'last_checked_at',
]);

export { list, listPageIdsStatement } from './simcard-search.js';

/**
 * How many SIMs match a filter without `q`: from the counters the database keeps per (shop,
 * operator, status) when the filter is made of those alone (every list page of a million SIMs
 * would otherwise count a million rows), else by counting the filtered rows.
 */
export function countMatching(db: Queryable, filter: SimcardFilter): Promise<number> {
  if (filter.batchId || filter.soldAt || filter.assignedAt || filter.createdAt) {
    const conditions = fieldConditions(filter);
    return queryRows<{ n: number | string }>(
      db,
      `select count(*) as n from simcards where ${conditions.map((c) => c.sql).join(' and ')}`,
      conditions.flatMap((c) => c.bindings),
      false,
    ).then(([row]) => Number(row?.n ?? 0));
  }
  // Not an async function: every list page asks this (an async wrapper is one more promise each).
  return tallyCount(db, filter);
}

/** SIMs by shop, status and operator, from the counters the database keeps (simcard-tallies.ts). */
export function tallyCount(db: Queryable, filter: Pick<SimcardFilter, 'shopId' | 'status' | 'operator'>): Promise<number> {
  const scope: simcardTallies.TallyScope = {};
  if (filter.shopId !== undefined) scope.shopId = filter.shopId;
  if (filter.status !== undefined) scope.status = filter.status;
  // An empty operator filter is no filter (the counters' '' is "unknown operator", asked as null).
  if (filter.operator) scope.operator = filter.operator;
  return simcardTallies.count(db, scope);
}

export async function insert(db: Queryable, simcard: NewSimcard): Promise<SimcardRow> {
  const at = now();
  const [row] = await db<SimcardRow>('simcards')
    .insert({ ...simcard, created_at: at, updated_at: at })
    .returning('*');
  return row as SimcardRow;
}

export async function update(db: Queryable, id: number, patch: SimcardPatch): Promise<SimcardRow | undefined> {
  const [row] = await db<SimcardRow>('simcards')
    .where({ id })
    .update({ ...patch, updated_at: now() })
    .returning('*');
  return row as SimcardRow | undefined;
}

/** Updates the SIM only if nobody changed it since it was read (optimistic concurrency); undefined otherwise. */
export async function updateIfUnchanged(
  db: Queryable,
  sim: Pick<SimcardRow, 'id' | 'updated_at'>,
  patch: SimcardPatch,
): Promise<SimcardRow | undefined> {
  const [row] = await db<SimcardRow>('simcards')
    .where({ id: sim.id, updated_at: sim.updated_at })
    .update({ ...patch, updated_at: now() })
    .returning('*');
  return row as SimcardRow | undefined;
}

/**
 * A check's answer to write by `applyChecks`: the SIM as the checker read it (`read_updated_at` is
 * its optimistic lock) and what the answer sets. No sale and no activation date: those go by `update`.
 */
export interface CheckedSim {
  id: number;
  read_updated_at: DbTimestamp;
  status: SimcardStatus;
  provider_status: string;
  last_checked_at: string;
  /**
   * The answer leaves `status` and `provider_status` as they were read (most answers of a run):
   * the UPDATE does not set them, so SQLite leaves the entries of the six indexes on them alone
   * (setting a column rewrites its index entries even to the same value: ~3× the statement's cost).
   */
  same?: boolean;
}

/** Of each SIM `applyChecks` updated, what the statement set that the checker does not know; the rest is as it read the row. */
export interface AppliedCheck {
  id: number;
  updated_at: DbTimestamp;
  last_checked_at: DbTimestamp;
}

/** PostgreSQL's SQL of `applyChecks` for `n` answers, per shape: built once per size and kept (a run's batches repeat a few sizes). */
const applyChecksSql = new Map<string, string>();

function applyChecksStatement(same: boolean, n: number): string {
  const key = `${same ? 's' : 'c'}${n}`;
  let sql = applyChecksSql.get(key);
  if (sql) return sql;
  const row = same ? '(?::integer, ?::timestamptz, ?::timestamptz)' : '(?::integer, ?::timestamptz, ?::text, ?::text, ?::timestamptz)';
  sql = `with v(${applyChecksColumns(same)}) as (values ${Array.from({ length: n }, () => row).join(', ')}) ${applyChecksUpdate(same)}`;
  if (applyChecksSql.size < 128) applyChecksSql.set(key, sql);
  return sql;
}

function applyChecksColumns(same: boolean): string {
  return same ? 'id, read_updated_at, last_checked_at' : 'id, read_updated_at, status, provider_status, last_checked_at';
}

/** The UPDATE of `applyChecks` from its answers `v` (the last binding: the new `updated_at`). */
function applyChecksUpdate(same: boolean): string {
  return (
    `update simcards set ${same ? '' : 'status = v.status, provider_status = v.provider_status, '}last_checked_at = v.last_checked_at, ` +
    'last_check_error = null, updated_at = ? from v where simcards.id = v.id and simcards.updated_at = v.read_updated_at ' +
    'returning simcards.id, simcards.updated_at, simcards.last_checked_at'
  );
}

/**
 * SQLite's SQL of `applyChecks`, per shape: the answers come as one JSON array of arrays
 * (json_each walks it; the plan looks each SIM up by its id), so one text serves every batch
 * size. A VALUES list of bound values was a new text per size, 250 values to bind at ~50
 * answers and a longer statement to parse: measured on 50-answer batches (BEGIN, the UPDATE,
 * COMMIT), ~20% less CPU a batch (issue 14, goal 4).
 */
const APPLY_CHECKS_SQLITE = {
  same: `with v(${applyChecksColumns(true)}) as (select value ->> 0, value ->> 1, value ->> 2 from json_each(?)) ${applyChecksUpdate(true)}`,
  changed:
    `with v(${applyChecksColumns(false)}) as (select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from json_each(?)) ` +
    applyChecksUpdate(false),
};

/**
 * Writes many checks' answers in one statement per shape (SQLite), or per 200 of each shape
 * (PostgreSQL; a check run's batch): each SIM only if nobody changed it since it was read
 * (optimistic concurrency, as `updateIfUnchanged`). Answers the SIMs updated (the row is the one
 * read, with the answer and these): a SIM changed or deleted meanwhile is left out (the caller
 * reads it again).
 */
export async function applyChecks(db: Queryable, checks: readonly CheckedSim[]): Promise<AppliedCheck[]> {
  const sqlite = isSqlite(db);
  const at = now();
  const out: AppliedCheck[] = [];
  for (const same of [true, false]) {
    const shape = checks.filter((c) => (c.same === true) === same);
    if (shape.length === 0) continue;
    if (sqlite) {
      // Times as SQLite keeps them, ISO texts (the rows the checker read hold them so).
      const answers = shape.map((c) =>
        same ? [c.id, c.read_updated_at, c.last_checked_at] : [c.id, c.read_updated_at, c.status, c.provider_status, c.last_checked_at],
      );
      // Kept prepared on the batch's connection (one text per shape).
      const rows = await statementRows<AppliedCheck>(db, same ? APPLY_CHECKS_SQLITE.same : APPLY_CHECKS_SQLITE.changed, [
        JSON.stringify(answers),
        at,
      ]);
      for (const row of rows) out.push(row);
      continue;
    }
    for (let i = 0; i < shape.length; i += 200) {
      const chunk = shape.slice(i, i + 200);
      const bindings: Array<string | number | Date> = [];
      for (const c of chunk) {
        if (same) bindings.push(c.id, c.read_updated_at, c.last_checked_at);
        else bindings.push(c.id, c.read_updated_at, c.status, c.provider_status, c.last_checked_at);
      }
      bindings.push(at);
      const result = (await db.raw(applyChecksStatement(same, chunk.length), bindings)) as { rows: AppliedCheck[] };
      for (const row of result.rows) out.push(row);
    }
  }
  return out;
}

export function remove(db: Queryable, id: number): Promise<number> {
  return db('simcards').where({ id }).delete();
}

export function findByIccid(db: Queryable, iccid: string): Promise<SimcardRow | undefined> {
  return db<SimcardRow>('simcards').where({ iccid }).first();
}

export function findByIccids(db: Queryable, iccids: string[]): Promise<SimcardRow[]> {
  return db<SimcardRow>('simcards').whereIn('iccid', iccids);
}

/** The statuses an auto-check run looks at: those that can still change, and sold/blocked when asked. */
export function checkableStatuses(includeSold: boolean): SimcardStatus[] {
  return includeSold ? ['assigned', 'in_stock', 'sold', 'blocked'] : ['assigned', 'in_stock'];
}

/** The next page of SIMs for a run, in id order after `afterId`. */
export function nextToCheck(db: Queryable, afterId: number, includeSold: boolean, limit: number): Promise<SimcardRow[]> {
  return db<SimcardRow>('simcards').whereIn('status', checkableStatuses(includeSold)).where('id', '>', afterId).orderBy('id').limit(limit);
}

export function countToCheck(db: Queryable, includeSold: boolean, afterId = 0): Promise<number> {
  return countOf(db('simcards').whereIn('status', checkableStatuses(includeSold)).where('id', '>', afterId));
}
