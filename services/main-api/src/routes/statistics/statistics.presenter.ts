/** What the statistics endpoints answer (response schemas beside the functions that fill them). */
import { CheckRunView, presentCheckRun } from '@simcard/common';
import { toIso, type CheckRunRow, type statisticsRepository } from '@simcard/db';
import { z } from 'zod';
import type { Overview, ShopStats } from '../../services/statistics.js';

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });
const SoldPerDay = z.array(z.object({ day: z.string().meta({ description: 'YYYY-MM-DD (UTC)' }), sold: z.number().int() }));
const byStatus = z.object({ in_stock: z.number().int(), assigned: z.number().int(), sold: z.number().int(), blocked: z.number().int() });

/** A run as the status API shows it, without its live ETA (a finished figure here). */
export const CheckRunSummary = CheckRunView.omit({ eta_seconds: true }).meta({ id: 'CheckRunSummary' });

export const Statistics = z
  .object({
    scope: z.object({ shop_id: z.number().int().nullable() }).meta({ description: 'shop_id is set for staff: every figure is their shop\'s' }),
    simcards: z.object({
      total: z.number().int(),
      by_status: byStatus,
      by_operator: z.array(z.object({ operator: z.string().nullable(), total: z.number().int(), by_status: byStatus })),
    }),
    sold: z
      .object({ today: z.number().int(), last_7_days: z.number().int(), last_30_days: z.number().int() })
      .meta({ description: 'Sales credited to the shop that held the SIM when it was sold; calendar days in UTC, today included' }),
    checks: z.object({ today: z.number().int(), errors_today: z.number().int() }),
    last_check_run: CheckRunSummary.nullable(),
    last_completed_check_at: timestamp.nullable(),
    data_stale: z
      .boolean()
      .nullable()
      .meta({ description: 'True when the last completed check run is older than twice AUTO_CHECK_INTERVAL_MIN (or there is none); null when scheduled checks are off' }),
    sold_per_day: SoldPerDay.optional().meta({ description: 'With ?days=N: sales per day, every day present' }),
  })
  .meta({ id: 'Statistics' });

export const ShopFigures = z
  .object({
    shop_id: z.number().int(),
    name: z.string(),
    code: z.string(),
    is_active: z.boolean(),
    assigned: z.number().int().meta({ description: 'in_shop + sold: SIMs the shop holds or sold (transferred-away and returned ones are not counted)' }),
    in_shop: z.number().int().meta({ description: 'At the shop now and not sold (blocked ones included)' }),
    sold: z.number().int().meta({ description: 'Sales credited to this shop from the assignment history' }),
    sell_through: z.number().nullable().meta({ description: 'sold / assigned, in percent (one decimal); null when nothing was assigned' }),
    mean_days_to_sale: z.number().nullable().meta({ description: 'Mean days from arrival at this shop to the sale (two decimals)' }),
    last_sale_at: timestamp.nullable(),
  })
  .meta({ id: 'ShopFigures' });

export const ShopStatsResponse = ShopFigures.extend({
  days: z.number().int(),
  sold_per_day: SoldPerDay,
}).meta({ id: 'ShopStats' });

const round = (n: number | null, places: number) => (n === null ? null : Math.round(n * 10 ** places) / 10 ** places);

export function presentCheckRunSummary(run: CheckRunRow): z.infer<typeof CheckRunSummary> {
  const { eta_seconds: _, ...summary } = presentCheckRun(run);
  return summary;
}

export function presentStatistics(o: Overview): z.infer<typeof Statistics> {
  return {
    scope: { shop_id: o.shopId },
    simcards: {
      total: o.total,
      by_status: o.byStatus,
      by_operator: o.byOperator.map((op) => ({ operator: op.operator, total: op.total, by_status: op.byStatus })),
    },
    sold: { today: o.sold.today, last_7_days: o.sold.last7Days, last_30_days: o.sold.last30Days },
    checks: { today: o.checks.today, errors_today: o.checks.errorsToday },
    last_check_run: o.lastRun ? presentCheckRunSummary(o.lastRun) : null,
    last_completed_check_at: o.lastCompletedAt?.toISOString() ?? null,
    data_stale: o.dataStale,
    ...(o.series ? { sold_per_day: o.series } : {}),
  };
}

export function presentShopFigures(r: statisticsRepository.ShopFiguresRow): z.infer<typeof ShopFigures> {
  return {
    shop_id: r.shop_id,
    name: r.name,
    code: r.code,
    is_active: Boolean(r.is_active),
    assigned: r.assigned,
    in_shop: r.in_shop,
    sold: r.sold,
    sell_through: round(r.sell_through, 1),
    mean_days_to_sale: round(r.mean_days_to_sale, 2),
    last_sale_at: toIso(r.last_sale_at),
  };
}

export function presentShopStats(s: ShopStats): z.infer<typeof ShopStatsResponse> {
  return { ...presentShopFigures(s.figures), days: s.series.length, sold_per_day: s.series };
}
