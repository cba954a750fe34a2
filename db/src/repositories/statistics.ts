/**
 * Figures for the statistics endpoints, each one aggregate query over an index or over the
 * trigger-kept sales per shop and day (migrations 0501-0504); SIM totals by status and operator
 * are trigger-kept too (simcard-tallies.ts). Sales are counted by `sold_shop_id`, the shop
 * credited with the sale from the assignment history, never by where the SIM sits now.
 */
import type { Knex } from 'knex';
import type { Queryable } from '../connection.js';
import type { CheckRunRow, DbTimestamp, PageRequest, SortRequest } from '../rows.js';
import { dayGroups, type DealerDay } from './dealer-days.js';
import { num, numOrNull } from './sql-dates.js';

const DAY_MS = 86_400_000;

/** The first UTC midnight at or after an instant. */
function nextUtcMidnight(iso: string): string {
  const ms = Date.parse(iso);
  return new Date(Math.ceil(ms / DAY_MS) * DAY_MS).toISOString();
}

/**
 * Sales on or after each of the given instants (the dealer's midnights), credited to `shopId`
 * when given. shop_sales_daily (migration 0504) keeps sales per shop and UTC day: the UTC
 * days wholly after an instant are summed from it; the part of a UTC day between the instant
 * and the next UTC midnight is counted from the sales index, exactly, whatever the time zone.
 * For the whole dealer also the sales credited to no shop (sold while in stock).
 */
export async function salesSince(db: Queryable, shopId: number | null, since: string[]): Promise<number[]> {
  const oldest = since.reduce((a, b) => (a < b ? a : b));
  const midnights = since.map(nextUtcMidnight);
  const credited = db('shop_sales_daily').where('day', '>=', midnights.reduce((a, b) => (a < b ? a : b)).slice(0, 10));
  if (shopId !== null) credited.where('shop_id', shopId);
  const sims = db('simcards').whereNotNull('sold_at').where('sold_at', '>=', oldest);
  if (shopId !== null) sims.where('sold_shop_id', shopId);
  const [a, b] = await Promise.all([
    credited.first(
      midnights.map((m, i) => db.raw('coalesce(sum(case when day >= ? then sold else 0 end), 0) as ??', [m.slice(0, 10), `s${i}`])),
    ),
    sims.first(
      since.map((from, i) =>
        shopId === null
          ? db.raw('coalesce(sum(case when sold_at >= ? and (sold_at < ? or sold_shop_id is null) then 1 else 0 end), 0) as ??', [
              from,
              midnights[i]!,
              `s${i}`,
            ])
          : db.raw('coalesce(sum(case when sold_at >= ? and sold_at < ? then 1 else 0 end), 0) as ??', [from, midnights[i]!, `s${i}`]),
      ),
    ),
  ]);
  return since.map(
    (_, i) => num((a as Record<string, unknown> | undefined)?.[`s${i}`]) + num((b as Record<string, unknown> | undefined)?.[`s${i}`]),
  );
}

export function lastRun(db: Queryable): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').orderBy('id', 'desc').first();
}

export async function lastCompletedRun(db: Queryable): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').where({ status: 'completed' }).orderBy('finished_at', 'desc').orderBy('id', 'desc').first();
}

export const SHOP_FIGURE_SORT_COLUMNS = [
  'id',
  'name',
  'code',
  'assigned',
  'in_shop',
  'sold',
  'sell_through',
  'mean_days_to_sale',
  'last_sale_at',
] as const;
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
  const sales = db('shop_sales_totals').select(
    'shop_id as sold_shop_id',
    'sold',
    db.raw('days_sum / nullif(timed, 0) as mean_days_to_sale'),
  );
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

export async function shopFigures(
  db: Queryable,
  page: PageRequest,
  sort: SortRequest<ShopFigureSortColumn>,
): Promise<{ rows: ShopFiguresRow[]; total: number }> {
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

/**
 * Sales per dealer day over `days` (consecutive, oldest first; credited to `shopId`, or all
 * when null), dated by `sold_at` (the activation date); days without a sale are absent.
 */
export async function dailySales(
  db: Queryable,
  shopId: number | null,
  days: DealerDay[],
  offsetAt: (iso: string) => number,
): Promise<{ day: string; sold: number }[]> {
  const groups = dayGroups(db, 'sold_at', days, offsetAt);
  const parts = await Promise.all(
    groups.map((g) => {
      const qb = db('simcards')
        .select(db.raw('? as day', [g.day]))
        .count({ sold: '*' })
        .whereNotNull('sold_at')
        .where('sold_at', '>=', g.from)
        .where('sold_at', '<', g.to)
        .groupByRaw('1');
      if (shopId !== null) qb.where('sold_shop_id', shopId);
      return qb as unknown as Promise<{ day: string; sold: unknown }[]>;
    }),
  );
  return parts.flat().map((r) => ({ day: r.day, sold: num(r.sold) }));
}
