/**
 * The SIM list: a page of a million SIMs, filtered, searched and sorted, in a few milliseconds.
 *
 * Ids first: the page's 50 ids are chosen by a query that reads only indexes where it can, then
 * their rows are fetched by id. (Selecting whole rows while SQLite merges the index ranges of an
 * OR fetched every matching row into a temporary B-tree to pick 50: 3.0 s against 0.38 s.)
 *
 * A search (`q`) is served one of two ways, chosen per request from a sample of the table:
 * - `index`: few SIMs match. The search index names them (SQLite: the FTS5 trigram table;
 *   PostgreSQL: the pg_trgm indexes; a prefix: the unique indexes' ranges), their rows are
 *   filtered and sorted, and counted exactly.
 * - `scan`: many match (`q=8999801`, every SIM of a batch). The sort's own index is walked and
 *   each row tested with a plain expression, which stops after offset + limit matches; the
 *   total is counted up to `SEARCH_COUNT_CAP` (counting a million matches cannot be fast).
 * The sample (a few thousand rows from ranges of ids spread over the table) estimates how many
 * SIMs match; above `INDEX_PLAN_MAX` the scan is cheaper than reading every match.
 *
 * A page is asked by offset, or by keyset (`after`: the previous page's last row's sort value and
 * id, see afterParts): the same statements with the "after" condition added to the filter's, so
 * a deep page seeks the sort's index instead of walking `offset` entries of it.
 */
import type { Knex } from 'knex';
import { isSqlite, type Queryable, queryRows } from '../connection.js';
import type { PageRequest, SimcardRow, SortRequest } from '../rows.js';
import { nextPrefix } from './query-helpers.js';
import {
  applyFieldFilters,
  applyFilter,
  countMatching,
  fieldConditions,
  NULLABLE_SORT_COLUMNS,
  SEARCH_ANYWHERE_MIN,
  searchPredicate,
  type SimcardFilter,
  type SimcardKey,
  type SimcardPage,
  type SimcardPageRequest,
  type SimcardSortColumn,
  type SqlCondition,
  tallyCount,
} from './simcards.js';

/** A broad search counts its matches up to this many; `totalExact` is false beyond. */
export const SEARCH_COUNT_CAP = 1000;
/** Estimated matches up to which a search reads them all through the search index. */
export const INDEX_PLAN_MAX = 20_000;
const SAMPLE_RANGES = 20;
const SAMPLE_RANGE_SIZE = 100;

export type SearchPlan = 'index' | 'scan';

export async function list(
  db: Queryable,
  filter: SimcardFilter,
  page: SimcardPageRequest,
  sort: SortRequest<SimcardSortColumn>,
  options: { plan?: SearchPlan } = {},
): Promise<SimcardPage> {
  // One id more than the page: whether another page follows (the next cursor).
  const want = page.limit + 1;
  const offset = page.after ? 0 : page.offset;
  // The ids of the page for one part of the order after the cursor (or all of it), `table` the
  // alias the part's condition names.
  let pick: (after: SqlCondition | undefined, limit: number) => Promise<number[]>;
  let table = 'simcards';
  let counted: Promise<number>;
  let totalExact = true;
  if (!filter.q) {
    const walking = walkSortIndex(db, filter, sort);
    // Decided without the database for most pages (no filter, or by id): no promise then.
    const walk = typeof walking === 'boolean' ? walking : await walking;
    pick = (after, limit) => listPageIds(db, filter, { limit, offset }, sort, walk, after);
    counted = countMatching(db, filter);
  } else if ((options.plan ?? (await choosePlan(db, filter.q))) === 'index') {
    const matching = () => applyFieldFilters(candidates(db, filter.q!), filter, 's');
    table = 's';
    pick = (after, limit) => pageIds(where(matching(), after), 's', { limit, offset }, sort);
    counted = matching()
      .count({ n: '*' })
      .first()
      .then((n) => Number((n as { n: number | string } | undefined)?.n ?? 0));
  } else {
    const walking = walkSortIndex(db, filter, sort);
    const walk = typeof walking === 'boolean' ? walking : await walking;
    const matching = () => applyFilter(db('simcards'), filter, 'simcards', walk);
    pick = (after, limit) => pageIds(where(matching(), after), 'simcards', { limit, offset }, sort);
    counted = db
      .from(
        matching()
          .select(db.raw('1'))
          .limit(SEARCH_COUNT_CAP + 1)
          .as('m'),
      )
      .count({ n: '*' })
      .first()
      .then((n) => {
        const total = Number((n as { n: number | string } | undefined)?.n ?? 0);
        if (total <= SEARCH_COUNT_CAP) return total;
        totalExact = false;
        return SEARCH_COUNT_CAP;
      });
  }
  const parts = page.after ? afterParts(isSqlite(db), table, sort, page.after) : [undefined];
  const [ids, total] = await Promise.all([parts.length === 1 ? pick(parts[0], want) : idsOverParts(parts, pick, want), counted]);
  const rows = await rowsByIds(db, ids.slice(0, page.limit));
  const last = rows[rows.length - 1];
  return { rows, total, totalExact, next: ids.length > page.limit && last ? keyOf(sort, last) : null };
}

function where(qb: Knex.QueryBuilder, condition: SqlCondition | undefined): Knex.QueryBuilder {
  return condition ? qb.whereRaw(condition.sql, condition.bindings) : qb;
}

/** Up to `want` ids from the parts of the order in turn: each part is asked only for what the ones before it lacked. */
async function idsOverParts(
  parts: Array<SqlCondition | undefined>,
  pick: (after: SqlCondition | undefined, limit: number) => Promise<number[]>,
  want: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (const part of parts) {
    ids.push(...(await pick(part, want - ids.length)));
    if (ids.length >= want) break;
  }
  return ids;
}

/**
 * The rows after `key` in the sort's order, as consecutive parts of that order, each one
 * condition an index serves as one range (so a deep page reads only its own entries, where an
 * offset walks every entry before it). The order is the column's, ties by id in the same
 * direction; NULLs are where each database puts them: SQLite holds NULL smallest (first
 * ascending, last descending), PostgreSQL largest (last ascending, first descending).
 * - PostgreSQL compares (column, id) as a row, which its (column, id) index seeks exactly;
 *   SQLite would seek on the column alone and then skip, one by one, the ties before the key
 *   (250,000 SIMs share a status), so there the ties after the key are a part of their own.
 * - A comparison with a value never matches NULL: NULLs after a value are a part of their own.
 * The conditions are added to the filter's, never in place of them.
 */
export function afterParts(sqlite: boolean, table: string, sort: SortRequest<SimcardSortColumn>, key: SimcardKey): SqlCondition[] {
  const cmp = sort.direction === 'asc' ? '>' : '<';
  const column = `${table}.${sort.column}`;
  const id = `${table}.id`;
  if (sort.column === 'id') return [{ sql: `${id} ${cmp} ?`, bindings: [key.id] }];
  // Unique and never null: the column alone orders (see orderBy).
  if (sort.column === 'iccid') return [{ sql: `${column} ${cmp} ?`, bindings: [key.value as string] }];
  const nullsFirst = sqlite === (sort.direction === 'asc');
  if (key.value === null) {
    const nulls = { sql: `${column} is null and ${id} ${cmp} ?`, bindings: [key.id] };
    return nullsFirst ? [nulls, { sql: `${column} is not null`, bindings: [] }] : [nulls];
  }
  const values: SqlCondition[] = sqlite
    ? [
        { sql: `${column} = ? and ${id} ${cmp} ?`, bindings: [key.value, key.id] },
        { sql: `${column} ${cmp} ?`, bindings: [key.value] },
      ]
    : [{ sql: `(${column}, ${id}) ${cmp} (?, ?)`, bindings: [key.value, key.id] }];
  return NULLABLE_SORT_COLUMNS.has(sort.column) && !nullsFirst ? [...values, { sql: `${column} is null`, bindings: [] }] : values;
}

/** A row's place in the sort (timestamps as ISO strings: PostgreSQL's come as Dates). */
function keyOf(sort: SortRequest<SimcardSortColumn>, row: SimcardRow): SimcardKey {
  if (sort.column === 'id') return { value: null, id: row.id };
  const value = row[sort.column] as string | number | Date | null;
  return { value: value instanceof Date ? value.toISOString() : value, id: row.id };
}

/** Filtered by shop, status or operator, above this many SIMs SQLite walks the sort's index instead. */
const WALK_SORT_INDEX_FROM = 20_000;

/**
 * SQLite: whether the page should walk the sort's index rather than the filter's (see
 * applyFieldFilters). Only for filters the counters can count (shop, status, operator), sorted by
 * another column, and matching many SIMs. (PostgreSQL's planner weighs this by itself.) Answered
 * at once, without a promise, when the filter and sort alone decide.
 */
function walkSortIndex(db: Queryable, filter: SimcardFilter, sort: SortRequest<SimcardSortColumn>): boolean | Promise<boolean> {
  if (!isSqlite(db) || sort.column === 'id') return false;
  if (filter.shopId === undefined && !filter.status && !filter.operator) return false;
  if (filter.batchId || filter.soldAt || filter.assignedAt || filter.createdAt) return false;
  const sorted: Record<string, unknown> = { shop_id: filter.shopId, status: filter.status, operator: filter.operator };
  if (sorted[sort.column] !== undefined) return false;
  return tallyCount(db, filter).then((n) => n >= WALK_SORT_INDEX_FROM);
}

/** `order by` of a page: the sort's column, ties by id in the same direction (ICCIDs are unique: no ties). */
function orderBy(table: string, sort: SortRequest<SimcardSortColumn>): string {
  const first = `${table}.${sort.column} ${sort.direction}`;
  return sort.column === 'id' || sort.column === 'iccid' ? first : `${first}, ${table}.id ${sort.direction}`;
}

/**
 * The page's ids for a filter without `q`: a statement per shape (filters present, sort, whether
 * there is an offset), written here and run straight on the pool (queryRows), since the list is
 * the API's busiest request. Prepared on PostgreSQL only for a first page without filters: a
 * filtered or deep page's best plan depends on the values (a shop with 10 SIMs or 100,000; an
 * offset of 50 or 500,000), which a generic plan would not see; nor a keyset page (`after`).
 */
async function listPageIds(
  db: Queryable,
  filter: SimcardFilter,
  page: PageRequest,
  sort: SortRequest<SimcardSortColumn>,
  walk: boolean,
  after?: SqlCondition,
): Promise<number[]> {
  const { sql, bindings, prepared } = listPageIdsStatement(db, filter, page, sort, walk, after);
  const rows = await queryRows<{ id: number }>(db, sql, bindings, prepared);
  return rows.map((r) => r.id);
}

/** listPageIds' statement (exported for the tests that read its plan). */
export function listPageIdsStatement(
  db: Queryable,
  filter: SimcardFilter,
  page: PageRequest,
  sort: SortRequest<SimcardSortColumn>,
  walk = false,
  after?: SqlCondition,
): { sql: string; bindings: Array<string | number>; prepared: boolean } {
  const conditions = fieldConditions(filter, 'simcards', walk);
  if (after) conditions.push(after);
  const where = conditions.length > 0 ? ` where ${conditions.map((c) => c.sql).join(' and ')}` : '';
  const bindings: Array<string | number> = conditions.flatMap((c) => c.bindings);
  bindings.push(page.limit);
  if (page.offset > 0) bindings.push(page.offset);
  // PostgreSQL: the sort's column named before the id, as its (column, id) index holds them, so
  // the index-only scan hands each entry up as it is instead of projecting it: an offset walks
  // every entry before the page, and this took the walk of 500,000 entries from 28 to 22 ms of
  // the server's CPU (by sold_at and by status; by id there is nothing to project).
  const columns = !isSqlite(db) && sort.column !== 'id' ? `simcards.${sort.column}, simcards.id` : 'simcards.id';
  const sql = `select ${columns} from simcards${where} order by ${orderBy('simcards', sort)} limit ?${page.offset > 0 ? ' offset ?' : ''}`;
  return { sql, bindings, prepared: conditions.length === 0 && page.offset === 0 };
}

/** The page's ids, in the sort's order (ties by id, the same direction). */
async function pageIds(qb: Knex.QueryBuilder, table: string, page: PageRequest, sort: SortRequest<SimcardSortColumn>): Promise<number[]> {
  qb.select(`${table}.id`).orderByRaw(orderBy(table, sort));
  const rows: { id: number }[] = await qb.limit(page.limit).offset(page.offset);
  return rows.map((r) => r.id);
}

/** The page's rows, in the page's order: one prepared statement per page size, run straight on the pool. */
async function rowsByIds(db: Queryable, ids: number[]): Promise<SimcardRow[]> {
  if (ids.length === 0) return [];
  const rows = await queryRows<SimcardRow>(db, `select * from simcards where id in (${ids.map(() => '?').join(', ')})`, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is SimcardRow => r !== undefined);
}

/**
 * `simcards as s` joined to the ids the search index names for `q`, driven by those ids (SQLite:
 * CROSS JOIN fixes the order; PostgreSQL plans the small side first by itself).
 */
function candidates(db: Queryable, q: string): Knex.QueryBuilder {
  const sqlite = isSqlite(db);
  let ids: Knex.Raw;
  if (q.length >= SEARCH_ANYWHERE_MIN) {
    ids = sqlite
      ? // A phrase: the trigrams of q at consecutive positions of one column.
        db.raw('(select rowid as id from simcard_search where simcard_search match ?) as c', [`"${q}"`])
      : db.raw('(select id from simcards where iccid like ? union select id from simcards where msisdn like ?) as c', [`%${q}%`, `%${q}%`]);
  } else {
    const range = (column: string, prefix: string) => {
      const upper = nextPrefix(prefix);
      return {
        sql: `select id from simcards where ${column} >= ?${upper === null ? '' : ` and ${column} < ?`}`,
        bindings: upper === null ? [prefix] : [prefix, upper],
      };
    };
    const parts = [range('iccid', q), range('msisdn', `+${q}`), range('msisdn', `+998${q}`)];
    ids = db.raw(
      `(${parts.map((p) => p.sql).join(' union ')}) as c`,
      parts.flatMap((p) => p.bindings),
    );
  }
  const qb = db.from(ids);
  return sqlite ? qb.crossJoin('simcards as s' as never, 's.id', 'c.id') : qb.join('simcards as s', 's.id', 'c.id');
}

/**
 * `index` when few SIMs are estimated to match `q`, else `scan`. The estimate: the share of
 * matches among the rows of `SAMPLE_RANGES` ranges of consecutive ids spread evenly over the
 * table (ids are dense, and a batch is a run of ids, so every batch is sampled in proportion),
 * times the table's id span. A small table is counted whole.
 */
export async function choosePlan(db: Queryable, q: string): Promise<SearchPlan> {
  return (await estimateMatches(db, q)) <= INDEX_PLAN_MAX ? 'index' : 'scan';
}

export async function estimateMatches(db: Queryable, q: string): Promise<number> {
  // Two subqueries: SQLite reads min() and max() from the index's ends only when each is alone.
  const bounds = (await db.select(db.raw('(select min(id) from simcards) as lo, (select max(id) from simcards) as hi')).first()) as
    { lo: number | null; hi: number | null } | undefined;
  if (!bounds || bounds.lo === null || bounds.hi === null) return 0;
  const lo = Number(bounds.lo);
  const span = Number(bounds.hi) - lo + 1;
  const qb = db('simcards');
  const predicate = searchPredicate(qb, q);
  const sampled = qb.select(db.raw('count(*) as n'), db.raw(`sum(case when ${predicate.sql} then 1 else 0 end) as m`, predicate.bindings));
  if (span > SAMPLE_RANGES * SAMPLE_RANGE_SIZE * 2) {
    const step = Math.floor((span - SAMPLE_RANGE_SIZE) / (SAMPLE_RANGES - 1));
    sampled.where((w) => {
      for (let k = 0; k < SAMPLE_RANGES; k++) w.orWhereBetween('id', [lo + k * step, lo + k * step + SAMPLE_RANGE_SIZE - 1]);
    });
  }
  const row = (await sampled.first()) as { n: number | string; m: number | string | null };
  const n = Number(row.n);
  const m = Number(row.m ?? 0);
  if (span <= SAMPLE_RANGES * SAMPLE_RANGE_SIZE * 2) return m;
  return n === 0 ? 0 : (m / n) * span;
}
