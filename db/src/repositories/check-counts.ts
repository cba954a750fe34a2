/**
 * Counts of operator calls (migration 1202): every check counted, changed or not, while
 * status_check_logs keeps only changes and failures. The status API's write path tallies a
 * batch's checks in memory (`CheckTally`) and adds them in the batch's transaction (`add`).
 */
import { isSqlite, type Queryable, statementRows } from '../connection.js';
import type { CheckSource } from '../rows.js';
import { num } from './sql-dates.js';

export interface CheckCounts {
  /** Operator calls made. */
  made: number;
  /** Calls the operator answered. */
  answered: number;
  /** Answers that changed the SIM (a status change, or the operator's word changed). */
  changed: number;
  /** Calls that failed (timeout, error, unusable answer). */
  failed: number;
}

export interface CheckCountKey {
  operator: string | null;
  shopId: number | null;
  source: CheckSource;
  runId: number | null;
}

const COLUMNS = ['made', 'answered', 'changed', 'failed'] as const;
const QUARTER_HOUR_MS = 15 * 60_000;

export function zeroCounts(): CheckCounts {
  return { made: 0, answered: 0, changed: 0, failed: 0 };
}

/** The quarter hour an instant falls in: every zone's midnight is one, so dealer days are exact bucket ranges. */
export function bucketOf(at: string | Date): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(Math.floor(ms / QUARTER_HOUR_MS) * QUARTER_HOUR_MS).toISOString();
}

/** The last check time's minute (`YYYY-MM-DDTHH:MM` of a UTC ISO instant) and its bucket. */
let lastMinute = '';
let lastBucket = '';
const UTC_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * `bucketOf` for a check's time (`now()`, a UTC ISO instant), remembered by its minute: a run's
 * thousands of checks fall in a few minutes, and a quarter-hour bucket holds whole minutes.
 */
function bucketOfCheck(at: string): string {
  if (!UTC_ISO.test(at)) return bucketOf(at);
  const minute = at.slice(0, 16);
  if (minute !== lastMinute) {
    lastMinute = minute;
    lastBucket = bucketOf(at);
  }
  return lastBucket;
}

/** One batch's counts per key, added up in memory and written once. */
export class CheckTally {
  readonly #groups = new Map<
    string,
    { bucket_at: string; operator: string; shop_key: number; source: CheckSource; run_key: number } & CheckCounts
  >();

  add(at: string, key: CheckCountKey, delta: Partial<CheckCounts>): void {
    // Called for every check of a run: the group's row is made only when the group is new.
    const bucket = bucketOfCheck(at);
    const operator = key.operator ?? '';
    const shop = key.shopId ?? 0;
    const run = key.runId ?? 0;
    const id = `${bucket}|${operator}|${shop}|${key.source}|${run}`;
    let group = this.#groups.get(id);
    if (!group) {
      group = { bucket_at: bucket, operator, shop_key: shop, source: key.source, run_key: run, ...zeroCounts() };
      this.#groups.set(id, group);
    }
    for (const c of COLUMNS) group[c] += delta[c] ?? 0;
  }

  get empty(): boolean {
    return this.#groups.size === 0;
  }

  /** Adds the tally to the table, one upsert for the whole batch. */
  async write(db: Queryable): Promise<void> {
    if (this.#groups.size === 0) return;
    // In key order, so that two writers (two status API processes) lock rows in the same order
    // and never deadlock.
    const rows = [...this.#groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    if (isSqlite(db)) {
      // One JSON array of the rows (json_each walks it in order): one statement text whatever
      // their number, one value to bind (see UPSERT_SQLITE).
      const values = rows.map((r) => [r.bucket_at, r.operator, r.shop_key, r.source, r.run_key, r.made, r.answered, r.changed, r.failed]);
      // Kept prepared on the batch's connection.
      await statementRows(db, UPSERT_SQLITE, [JSON.stringify(values)]);
      return;
    }
    // In chunks: one statement's bound values are bounded.
    for (let i = 0; i < rows.length; i += 100) {
      const chunk = rows.slice(i, i + 100);
      const bindings: Array<string | number> = [];
      for (const r of chunk)
        bindings.push(r.bucket_at, r.operator, r.shop_key, r.source, r.run_key, r.made, r.answered, r.changed, r.failed);
      await db.raw(upsertSql(chunk.length), bindings);
    }
  }
}

/** The tally's upsert of `n` rows (PostgreSQL), kept per size: built by knex's query builder it cost a compile per batch. */
const upserts = new Map<number, string>();
const KEY = ['bucket_at', 'operator', 'shop_key', 'source', 'run_key'] as const;
const ON_CONFLICT = `on conflict (${KEY.join(', ')}) do update set ${COLUMNS.map((c) => `${c} = check_counts.${c} + excluded.${c}`).join(', ')}`;

function upsertSql(n: number): string {
  let sql = upserts.get(n);
  if (sql) return sql;
  const row = `(${[...KEY, ...COLUMNS].map(() => '?').join(', ')})`;
  sql = `insert into check_counts (${[...KEY, ...COLUMNS].join(', ')}) values ${Array.from({ length: n }, () => row).join(', ')} ${ON_CONFLICT}`;
  if (upserts.size < 100) upserts.set(n, sql);
  return sql;
}

/**
 * SQLite's upsert of the tally: its rows as one JSON array of arrays, in KEY and COLUMNS order.
 * One text for every batch (a batch's groups, one per shop its SIMs are in, vary from batch to
 * batch: a text per size was parsed anew nearly every time) and one value to bind instead of
 * nine a row. `where true`: SQLite's parser needs it between a SELECT and ON CONFLICT.
 */
const UPSERT_SQLITE =
  `insert into check_counts (${[...KEY, ...COLUMNS].join(', ')}) ` +
  `select ${[...KEY, ...COLUMNS].map((_, i) => `value ->> ${i}`).join(', ')} from json_each(?) where true order by key ${ON_CONFLICT}`;

export interface CountFilter {
  /** Instants, `from` inclusive, `to` exclusive (dealer day bounds). */
  from?: string;
  to?: string;
  shopId?: number | null;
  runId?: number;
  sources?: CheckSource[];
}

function sums(db: Queryable) {
  return COLUMNS.map((c) => db.raw('coalesce(sum(??), 0) as ??', [c, c]));
}

function filtered(db: Queryable, f: CountFilter) {
  const qb = db('check_counts');
  if (f.from !== undefined) qb.where('bucket_at', '>=', f.from);
  if (f.to !== undefined) qb.where('bucket_at', '<', f.to);
  if (f.shopId !== undefined && f.shopId !== null) qb.where('shop_key', f.shopId);
  if (f.runId !== undefined) qb.where('run_key', f.runId);
  if (f.sources) qb.whereIn('source', f.sources);
  return qb;
}

function toCounts(r: Record<string, unknown> | undefined): CheckCounts {
  return { made: num(r?.made), answered: num(r?.answered), changed: num(r?.changed), failed: num(r?.failed) };
}

export async function totals(db: Queryable, f: CountFilter): Promise<CheckCounts> {
  return toCounts((await filtered(db, f).first(sums(db))) as Record<string, unknown> | undefined);
}

/** Totals per source ('auto' = runs) over the range. */
export async function bySource(db: Queryable, f: CountFilter): Promise<Record<CheckSource, CheckCounts>> {
  const rows = (await filtered(db, f)
    .select('source', ...sums(db))
    .groupBy('source')) as Record<string, unknown>[];
  const out: Record<CheckSource, CheckCounts> = { auto: zeroCounts(), manual: zeroCounts(), bulk: zeroCounts() };
  for (const r of rows) out[r.source as CheckSource] = toCounts(r);
  return out;
}

/** Totals per SIM operator ('' = unknown → null) over the range. */
export async function byOperator(db: Queryable, f: CountFilter): Promise<Array<{ operator: string | null } & CheckCounts>> {
  const rows = (await filtered(db, f)
    .select('operator', ...sums(db))
    .groupBy('operator')
    .orderBy('operator')) as Record<string, unknown>[];
  return rows.map((r) => ({ operator: (r.operator as string) || null, ...toCounts(r) }));
}

/** Totals for each of the given consecutive ranges (dealer days, oldest first): buckets summed in the database, placed here. */
export async function perRange(
  db: Queryable,
  ranges: Array<{ from: string; to: string }>,
  f: Omit<CountFilter, 'from' | 'to'> = {},
): Promise<CheckCounts[]> {
  if (ranges.length === 0) return [];
  const rows = (await filtered(db, { ...f, from: ranges[0]!.from, to: ranges[ranges.length - 1]!.to })
    .select('bucket_at', ...sums(db))
    .groupBy('bucket_at')) as Record<string, unknown>[];
  const out = ranges.map(() => zeroCounts());
  const starts = ranges.map((r) => Date.parse(r.from));
  for (const r of rows) {
    const ms = new Date(r.bucket_at as string | Date).getTime();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= ms) lo = mid;
      else hi = mid - 1;
    }
    const counts = toCounts(r);
    for (const c of COLUMNS) out[lo]![c] += counts[c];
  }
  return out;
}
