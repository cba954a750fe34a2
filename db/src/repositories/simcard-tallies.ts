/**
 * SIM counts per (shop, operator, status), read from the counters the database keeps as SIMs
 * are written (migration 0801): the totals of a million SIMs without reading a million rows.
 *
 * On SQLite each group has one counter row. On PostgreSQL each writing statement appends its
 * net change, so a group may have many rows until `fold` sums them; readers always sum.
 */
import type { Queryable } from '../connection.js';
import { isSqlite } from '../connection.js';
import { num } from './sql-dates.js';

export interface TallyScope {
  /** One shop's SIMs; absent: every SIM, in stock or at a shop. */
  shopId?: number;
  /** Only SIMs in stock (at no shop). */
  inStock?: boolean;
  status?: string;
  /** null: SIMs whose operator is unknown. */
  operator?: string | null;
}

export interface OperatorStatusCount {
  operator: string | null;
  status: string;
  count: number;
}

/** Appended rows beyond this many per group and a margin make the next dealer-wide read fold them. */
const FOLD_SLACK_ROWS = 5_000;

function scoped(db: Queryable, scope: TallyScope) {
  const qb = db('simcard_tallies');
  if (scope.shopId !== undefined) qb.where('shop_key', scope.shopId);
  if (scope.inStock) qb.where('shop_key', 0);
  if (scope.status !== undefined) qb.where('status', scope.status);
  if (scope.operator !== undefined) qb.where('operator', scope.operator ?? '');
  return qb;
}

/** SIM counts by (operator, status) within the scope; groups with no SIM are absent. */
export async function countsByOperatorAndStatus(db: Queryable, scope: TallyScope = {}): Promise<OperatorStatusCount[]> {
  const rows = (await scoped(db, scope)
    .select('operator', 'status', db.raw('sum(n) as n'), db.raw('count(*) as stored'), db.raw('count(distinct shop_key) as shops'))
    .groupBy('operator', 'status')) as { operator: string; status: string; n: unknown; stored: unknown; shops: unknown }[];
  // Dealer-wide reads see every stored row: when appended changes outnumber the groups, fold them.
  if (scope.shopId === undefined && !isSqlite(db)) {
    const stored = rows.reduce((s, r) => s + num(r.stored), 0);
    const groups = rows.reduce((s, r) => s + num(r.shops), 0);
    if (stored > 2 * groups + FOLD_SLACK_ROWS) await fold(db);
  }
  return rows.filter((r) => num(r.n) !== 0).map((r) => ({ operator: r.operator === '' ? null : r.operator, status: r.status, count: num(r.n) }));
}

/** How many SIMs are in the scope. */
export async function count(db: Queryable, scope: TallyScope = {}): Promise<number> {
  const row = (await scoped(db, scope).first(db.raw('coalesce(sum(n), 0) as n'))) as { n: unknown } | undefined;
  return num(row?.n);
}

/**
 * PostgreSQL: replace each group's appended rows by their sum, in one statement (readers see the
 * rows before or after it, never half). Rows appended meanwhile by other transactions are not in
 * its snapshot and stay. One fold at a time (a transaction-scoped advisory lock): a concurrent
 * caller skips. A no-op on SQLite, whose counters are never appended.
 */
export async function fold(db: Queryable): Promise<void> {
  if (isSqlite(db)) return;
  await db.transaction(async (trx) => {
    const { rows } = (await trx.raw("select pg_try_advisory_xact_lock(hashtext('simcard_tallies_fold')) as got")) as { rows: { got: boolean }[] };
    if (!rows[0]?.got) return;
    await trx.raw(`with gone as (delete from simcard_tallies returning shop_key, operator, status, n)
      insert into simcard_tallies (shop_key, operator, status, n)
      select shop_key, operator, status, sum(n) from gone group by shop_key, operator, status having sum(n) <> 0`);
  });
}

/** Stored rows (PostgreSQL: appended changes not folded yet count separately). For tests and diagnostics. */
export async function storedRows(db: Queryable): Promise<number> {
  const row = (await db('simcard_tallies').count({ n: '*' }).first()) as { n: unknown } | undefined;
  return num(row?.n);
}
