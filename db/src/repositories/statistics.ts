/**
 * Figures for the statistics endpoints, each one aggregate query over an index or over the
 * trigger-kept sales per shop and day (migrations 0501-0504); SIM totals by status and operator
 * are trigger-kept too (simcard-tallies.ts). Sales are counted by `sold_shop_id`, the shop
 * credited with the sale from the assignment history, never by where the SIM sits now.
 */
import type { Knex } from 'knex';
import type { Queryable } from '../connection.js';
import type { CheckRunRow, DbTimestamp, PageRequest, SortRequest } from '../rows.js';
import { num, numOrNull, utcDay } from './sql-dates.js';

/**
 * Sales on or after each of the given UTC days (`YYYY-MM-DD`), credited to `shopId` when given.
 * Read from shop_sales_daily (one row per shop and day, migration 0504); for the whole dealer
 * also the sales credited to no shop (sold while in stock), from the sales index.
 */
export async function salesSinceDays(db: Queryable, shopId: number | null, days: string[]): Promise<number[]> {
  const oldest = days.reduce((a, b) => (a < b ? a : b));
  const sums = (column: string, bounds: string[]) =>
    bounds.map((b, i) => db.raw(`coalesce(sum(case when ?? >= ? then ${column === 'day' ? 'sold' : '1'} else 0 end), 0) as ??`, [column, b, `s${i}`]));
  const credited = db('shop_sales_daily').where('day', '>=', oldest);
  if (shopId !== null) credited.where('shop_id', shopId);
  const midnights = days.map((d) => `${d}T00:00:00.000Z`);
  const [a, b] = await Promise.all([
    credited.first(sums('day', days)),
    shopId === null
      ? db('simcards').whereNotNull('sold_at').whereNull('sold_shop_id').where('sold_at', '>=', midnights.reduce((x, y) => (x < y ? x : y))).first(sums('sold_at', midnights))
      : undefined,
  ]);
  return days.map((_, i) => num((a as Record<string, unknown>)[`s${i}`]) + num((b as Record<string, unknown> | undefined)?.[`s${i}`]));
}

/** Checks logged since `since`, and how many failed; for a shop, checks of the SIMs it holds. */
export async function checksSince(db: Queryable, shopId: number | null, since: string): Promise<{ checks: number; errors: number }> {
  const qb = db('status_check_logs as l').where('l.checked_at', '>=', since);
  if (shopId !== null) qb.join('simcards as s', 's.id', 'l.simcard_id').where('s.shop_id', shopId);
  const row = (await qb.first(
    db.raw('count(*) as checks'),
    db.raw('coalesce(sum(case when l.error_message is not null then 1 else 0 end), 0) as errors'),
  )) as { checks: unknown; errors: unknown };
  return { checks: num(row.checks), errors: num(row.errors) };
}

export function lastRun(db: Queryable): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').orderBy('id', 'desc').first();
}

export async function lastCompletedRun(db: Queryable): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').where({ status: 'completed' }).orderBy('finished_at', 'desc').orderBy('id', 'desc').first();
}

export const SHOP_FIGURE_SORT_COLUMNS = ['id', 'name', 'code', 'assigned', 'in_shop', 'sold', 'sell_through', 'mean_days_to_sale', 'last_sale_at'] as const;
export type ShopFigureSortColumn = (typeof SHOP_FIGURE_SORT_COLUMNS)[number];

export interface ShopFiguresRow {
  shop_id: number;
  name: string;
  code: string;
  is_active: boolean | number;
  /** In the shop now plus sold by it: what it was given and has not passed on. */
  assigned: number;
  in_shop: number;
  sold: number;
  /** Percent of `assigned` that was sold; null when nothing was assigned. */
  sell_through: number | null;
  mean_days_to_sale: number | null;
  last_sale_at: DbTimestamp | null;
}

/**
 * The per-shop figures as one derived table: shops joined to the unsold SIMs per shop (a
 * grouped scan of a partial index) and to the sales per shop (shop_sales_totals, kept by
 * triggers, migrations 0504 and 0802); the last sale is one index seek per shop.
 */
function shopFiguresQuery(db: Queryable, shopId: number | null): Knex.QueryBuilder {
  const inShop = db('simcards').select('shop_id').count({ in_shop: '*' }).whereNotNull('shop_id').whereNull('sold_at').groupBy('shop_id');
  const sales = db('shop_sales_totals').select('shop_id as sold_shop_id', 'sold', db.raw('days_sum / nullif(timed, 0) as mean_days_to_sale'));
  const shops = db('shops');
  if (shopId !== null) {
    inShop.where('shop_id', shopId);
    sales.where('shop_id', shopId);
    shops.where('shops.id', shopId);
  }
  const held = 'coalesce(inv.in_shop, 0)';
  const sold = 'coalesce(sal.sold, 0)';
  const figures = shops
    .leftJoin(inShop.as('inv'), 'inv.shop_id', 'shops.id')
    .leftJoin(sales.as('sal'), 'sal.sold_shop_id', 'shops.id')
    .select(
      'shops.id as shop_id',
      'shops.name',
      'shops.code',
      'shops.is_active',
      db.raw(`${held} as in_shop`),
      db.raw(`${sold} as sold`),
      db.raw(`${held} + ${sold} as assigned`),
      db.raw(`case when ${held} + ${sold} = 0 then null else 100.0 * ${sold} / (${held} + ${sold}) end as sell_through`),
      'sal.mean_days_to_sale',
      db.raw('(select max(s.sold_at) from simcards s where s.sold_shop_id = shops.id and s.sold_at is not null) as last_sale_at'),
    );
  // Wrapped so that ORDER BY can use the aliases in expressions (PostgreSQL cannot otherwise).
  return db.select('*').from(figures.as('f'));
}

function toFigures(r: Record<string, unknown>): ShopFiguresRow {
  return {
    shop_id: Number(r.shop_id),
    name: r.name as string,
    code: r.code as string,
    is_active: r.is_active as boolean | number,
    assigned: num(r.assigned),
    in_shop: num(r.in_shop),
    sold: num(r.sold),
    sell_through: numOrNull(r.sell_through),
    mean_days_to_sale: numOrNull(r.mean_days_to_sale),
    last_sale_at: (r.last_sale_at as DbTimestamp | null) ?? null,
  };
}

export async function shopFigures(db: Queryable, page: PageRequest, sort: SortRequest<ShopFigureSortColumn>): Promise<{ rows: ShopFiguresRow[]; total: number }> {
  const column = sort.column === 'id' ? 'shop_id' : sort.column;
  // Empty values last in both directions, the same on both dialects (their NULL orders differ).
  const qb = shopFiguresQuery(db, null)
    .orderByRaw(`case when ?? is null then 1 else 0 end`, [column])
    .orderBy(column, sort.direction)
    .orderBy('shop_id', sort.direction)
    .limit(page.limit)
    .offset(page.offset);
  const [rows, count] = await Promise.all([qb, db('shops').count({ n: '*' }).first()]);
  return { rows: (rows as Record<string, unknown>[]).map(toFigures), total: num((count as { n: unknown } | undefined)?.n) };
}

export async function figuresForShop(db: Queryable, shopId: number): Promise<ShopFiguresRow | undefined> {
  const row = (await shopFiguresQuery(db, shopId).first()) as Record<string, unknown> | undefined;
  return row ? toFigures(row) : undefined;
}

/** Sales per UTC day since `since` (credited to `shopId`, or all when null); days without a sale are absent. */
export async function dailySales(db: Queryable, shopId: number | null, since: string): Promise<{ day: string; sold: number }[]> {
  const qb = db('simcards')
    .select(db.raw('? as day', [utcDay(db, 'sold_at')]))
    .count({ sold: '*' })
    .whereNotNull('sold_at')
    .where('sold_at', '>=', since)
    .groupByRaw('1');
  if (shopId !== null) qb.where('sold_shop_id', shopId);
  const rows = (await qb) as { day: string; sold: unknown }[];
  return rows.map((r) => ({ day: r.day, sold: num(r.sold) }));
}
