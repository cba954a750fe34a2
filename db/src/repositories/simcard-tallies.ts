/**
 * SIM counts per (shop, operator, status), read from the counters the database keeps as SIMs
 * are written (migration 0801): the totals of a million SIMs without reading a million rows.
 *
 * On SQLite each group has one counter row. On PostgreSQL each writing statement appends its
 * net change, so a group may have many rows until `fold` sums them; readers always sum.
 */
import { isSqlite, type Queryable, queryRows } from '../connection.js';
import * as appendedCounters from './appended-counters.js';
import { num } from './sql-dates.js';

export interface TallyScope {
  /** One shop's SIMs; absent: every SIM, in stock or at a shop. */
  shopId?: number;
  status?: string;
  /** null: SIMs whose operator is unknown. */
  operator?: string | null;
}

export interface OperatorStatusCount {
  operator: string | null;
  status: string;
  count: number;
}

function scoped(db: Queryable, scope: TallyScope) {
  const qb = db('simcard_tallies');
  if (scope.shopId !== undefined) qb.where('shop_key', scope.shopId);
  if (scope.status !== undefined) qb.where('status', scope.status);
  if (scope.operator !== undefined) qb.where('operator', scope.operator ?? '');
  return qb;
}

/** SIM counts by (operator, status) within the scope; groups with no SIM are absent. */
export async function countsByOperatorAndStatus(db: Queryable, scope: TallyScope = {}): Promise<OperatorStatusCount[]> {
  // A dealer-wide read on PostgreSQL sees every stored row: it also counts them against the
  // groups, and folds the appended changes when they outnumber the groups.
  const watchesFolding = scope.shopId === undefined && !isSqlite(db);
  const qb = scoped(db, scope).select('operator', 'status', db.raw('sum(n) as n')).groupBy('operator', 'status');
  if (watchesFolding) qb.select(db.raw('count(*) as stored'), db.raw('count(distinct shop_key) as shops'));
  const rows = (await qb) as { operator: string; status: string; n: unknown; stored?: unknown; shops?: unknown }[];
  if (watchesFolding) {
    const stored = rows.reduce((s, r) => s + num(r.stored), 0);
    const groups = rows.reduce((s, r) => s + num(r.shops), 0);
    if (appendedCounters.worthFolding(stored, groups)) await fold(db);
  }
  return rows
    .filter((r) => num(r.n) !== 0)
    .map((r) => ({ operator: r.operator === '' ? null : r.operator, status: r.status, count: num(r.n) }));
}

/**
 * How many SIMs are in the scope. One statement run straight on the pool (`queryRows`,
 * prepared): the SIM list asks it on every page.
 */
export async function count(db: Queryable, scope: TallyScope = {}): Promise<number> {
  const conditions: Array<[string, string | number | undefined]> = [
    ['shop_key', scope.shopId],
    ['status', scope.status],
    ['operator', scope.operator === undefined ? undefined : (scope.operator ?? '')],
  ];
  const where = conditions.filter(([, value]) => value !== undefined);
  const bindings = where.map(([, value]) => value!);
  const [row] = await queryRows<{ n: unknown }>(
    db,
    `select coalesce(sum(n), 0) as n from simcard_tallies${where.length ? ` where ${where.map(([column]) => `${column} = ?`).join(' and ')}` : ''}`,
    bindings,
  );
  return num(row?.n);
}

/** PostgreSQL: replace each group's appended rows by their sum (see appended-counters.ts). */
export function fold(db: Queryable): Promise<void> {
  return appendedCounters.fold(db, 'simcard_tallies', ['shop_key', 'operator', 'status']);
}
