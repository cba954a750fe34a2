/**
 * SIMs whose data contradicts itself or the operator, found by the database: each kind is a
 * WHERE clause over an index (migrations 0501, 0502), counted and paged the same way.
 */
import type { Knex } from 'knex';
import { isSqlite, type Queryable } from '../connection.js';
import type { DbTimestamp, Page, PageRequest, SimcardRow } from '../rows.js';
import { countOf, nextPrefix } from './query-helpers.js';
import { num } from './sql-dates.js';

export const ANOMALY_KINDS = [
  'activated_in_stock',
  'activated_before_assignment',
  'stale_assigned',
  'unknown_to_provider',
  'operator_prefix_mismatch',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface AnomalyContext {
  /** Assigned before this instant (ISO) and not sold: stale. */
  staleBefore: string;
  /** Mobile prefixes (two digits after +998) per operator. */
  operatorPrefixes: Readonly<Record<string, readonly string[]>>;
}

/**
 * The MSISDN ranges (E.164 text, [from, to), null = unbounded) outside an operator's prefixes:
 * for prefixes 90 and 91, everything below +99890 and everything from +99892 up.
 */
export function foreignRanges(prefixes: readonly string[]): [string | null, string | null][] {
  const own = [...new Set(prefixes)].sort().map((p) => [`+998${p}`, nextPrefix(`+998${p}`)] as const);
  const ranges: [string | null, string | null][] = [];
  let from: string | null = null;
  for (const [start, end] of own) {
    if (from === null || from < start) ranges.push([from, start]);
    from = end;
  }
  if (from !== null) ranges.push([from, null]);
  return ranges;
}

/**
 * The SIMs of one kind as one or more SELECTs of `id` (and the kind's sort column) over index
 * ranges. Several ranges are a UNION ALL of separate SELECTs rather than one OR: each range
 * is then an index-only scan on both dialects, where PostgreSQL plans the OR as a full scan.
 */
function idsOf(db: Queryable, kind: AnomalyKind, ctx: AnomalyContext): Knex.QueryBuilder {
  const sims = (...columns: string[]) => db('simcards').select('id', ...columns);
  switch (kind) {
    // Sold while no shop held it: the latest move before the sale was a return, or there was none.
    case 'activated_in_stock':
      return sims().whereNotNull('sold_at').whereNull('sold_shop_id');
    // The operator's activation date precedes the arrival at the shop credited with the sale
    // (sold_shop_since is set for sold SIMs only). Written as the partial index's condition (migration 0503).
    case 'activated_before_assignment':
      return sims().whereRaw('activated_at < sold_shop_since');
    case 'stale_assigned':
      return sims('assigned_at').where('status', 'assigned').where('assigned_at', '<', ctx.staleBefore);
    case 'unknown_to_provider':
      return sims().where('provider_status', 'not_found');
    case 'operator_prefix_mismatch': {
      // The number ranges between the operator's own prefixes: index ranges of (operator, msisdn)
      // that hold only mismatches, instead of testing every number.
      const ranges = Object.entries(ctx.operatorPrefixes).flatMap(([operator, prefixes]) =>
        foreignRanges(prefixes).map(([from, to]) => {
          const q = sims().where('operator', operator).whereNotNull('msisdn');
          if (from !== null) q.where('msisdn', '>=', from);
          if (to !== null) q.where('msisdn', '<', to);
          return q;
        }),
      );
      const [first, ...rest] = ranges;
      return rest.length === 0 ? first! : first!.unionAll(rest);
    }
  }
}

/** The order of a kind's list: the longest-waiting stale SIM first, otherwise by id. */
const ORDER: Record<AnomalyKind, string[]> = {
  activated_in_stock: ['id'],
  activated_before_assignment: ['id'],
  stale_assigned: ['assigned_at', 'id'],
  unknown_to_provider: ['id'],
  operator_prefix_mismatch: ['id'],
};

function countKind(db: Queryable, kind: AnomalyKind, ctx: AnomalyContext): Promise<number> {
  return countOf(db.from(idsOf(db, kind, ctx).as('u')));
}

export async function count(
  db: Queryable,
  kinds: readonly AnomalyKind[],
  ctx: AnomalyContext,
): Promise<Partial<Record<AnomalyKind, number>>> {
  const counts = await Promise.all(kinds.map((kind) => countKind(db, kind, ctx)));
  return Object.fromEntries(kinds.map((k, i) => [k, counts[i]!]));
}

export async function list(
  db: Queryable,
  kind: AnomalyKind,
  ctx: AnomalyContext,
  page: PageRequest,
): Promise<Page<SimcardRow & { sold_shop_id: number | null; sold_shop_since: DbTimestamp | null }>> {
  const order = ORDER[kind];
  const ids = idsOf(db, kind, ctx);
  // A UNION is materialized before it is sorted: otherwise SQLite pushes the ORDER BY into
  // each branch and answers an open-ended range by walking a whole operator in id order.
  const source = kind === 'operator_prefix_mismatch' ? db.withMaterialized('u', ids).from('u') : db.from(ids.as('u'));
  const pageIds = source.select('u.id').limit(page.limit).offset(page.offset);
  for (const column of order) pageIds.orderBy(`u.${column}`, 'asc');
  // The page's ids first (from the indexes alone), then only those rows.
  const [found, total] = await Promise.all([pageIds, countKind(db, kind, ctx)]);
  const rows = db('simcards')
    .select('*')
    .whereIn(
      'id',
      (found as { id: number }[]).map((r) => r.id),
    );
  for (const column of order) rows.orderBy(column, 'asc');
  return { rows: found.length === 0 ? [] : await rows, total };
}

export interface StaleBucketsRow {
  shop_id: number;
  name: string;
  code: string;
  total: number;
  /** Counts per ageing bucket, oldest last, split at `bucketEdges`. */
  buckets: number[];
  oldest_assigned_at: DbTimestamp | null;
}

/**
 * Stale SIMs per shop, split by age: `edges` are ISO instants, newest first (the first one is the
 * stale threshold); bucket i holds SIMs assigned in [edges[i+1], edges[i]), the last one the rest.
 * The database counts, per shop, how many unsold SIMs arrived before each edge (`c0`, `c1`, …);
 * the buckets are the differences. Each dialect gets the plan it runs fastest (1M SIMs, 230k stale):
 * - SQLite: per shop, each count is a range of the (status, shop_id, assigned_at) index (migration
 *   0503), and so is the oldest arrival (its first entry). Counting a range evaluates nothing per
 *   entry; grouping the stale SIMs by shop instead evaluates every edge on each (5x the CPU).
 * - PostgreSQL: one range of (status, assigned_at, shop_id) (migration 0502), grouped by shop in
 *   parallel workers; its per-call overhead makes 4,000 small range counts slower than that.
 */
export async function staleByShop(db: Queryable, edges: string[]): Promise<StaleBucketsRow[]> {
  const perShop = isSqlite(db) ? staleRangesPerShop(db, edges) : staleGroupedByShop(db, edges);
  // Materialized: a flattened subquery would count c0 again for the WHERE and the ORDER BY.
  const rows = (await db
    .withMaterialized('p', perShop)
    .select('*')
    .from('p')
    .where('p.c0', '>', 0)
    .orderBy('p.c0', 'desc')
    .orderBy('p.shop_id', 'asc')) as Record<string, unknown>[];
  return rows.map((r) => {
    const older = edges.map((_, i) => num(r[`c${i}`]));
    return {
      shop_id: Number(r.shop_id),
      name: r.name as string,
      code: r.code as string,
      total: older[0]!,
      buckets: older.map((n, i) => n - (older[i + 1] ?? 0)),
      oldest_assigned_at: (r.oldest_assigned_at as DbTimestamp | null) ?? null,
    };
  });
}

function staleRangesPerShop(db: Queryable, edges: string[]): Knex.QueryBuilder {
  const unsoldHere = () => db('simcards as s').where('s.status', 'assigned').whereRaw('s.shop_id = shops.id');
  const olderThan = edges.map((edge, i) => unsoldHere().where('s.assigned_at', '<', edge).count('*').as(`c${i}`));
  return db('shops').select(
    'shops.id as shop_id',
    'shops.name',
    'shops.code',
    ...olderThan,
    unsoldHere().min('s.assigned_at').as('oldest_assigned_at'),
  );
}

function staleGroupedByShop(db: Queryable, edges: string[]): Knex.QueryBuilder {
  const olderThan = edges
    .slice(1)
    .map((edge, i) => db.raw(`coalesce(sum(case when assigned_at < ? then 1 else 0 end), 0) as ??`, [edge, `c${i + 1}`]));
  const grouped = db('simcards')
    .select('shop_id', db.raw('count(*) as c0'), db.raw('min(assigned_at) as oldest_assigned_at'), ...olderThan)
    .where('status', 'assigned')
    .where('assigned_at', '<', edges[0]!)
    .groupBy('shop_id');
  return db.select('g.*', 'shops.name', 'shops.code').from(grouped.as('g')).join('shops', 'shops.id', 'g.shop_id');
}
