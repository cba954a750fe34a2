/** What the statistics endpoints answer (response schemas beside the functions that fill them). */
import { CheckRunView, presentCheckRun } from '@simcard/common';
import { type CheckRunRow, type statisticsRepository, toIso } from '@simcard/db';
import { z } from 'zod';
import type { Overview, ShopStats } from '../services/statistics.js';

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });
const SoldPerDay = z.array(
  z.object({ day: z.string().meta({ description: "YYYY-MM-DD, a day in the dealer's time zone (TIME_ZONE)" }), sold: z.number().int() }),
);
const byStatus = z.object({ in_stock: z.number().int(), assigned: z.number().int(), sold: z.number().int(), blocked: z.number().int() });

const CheckCallCounts = z.object({ checked: z.number().int(), changed: z.number().int(), failed: z.number().int() });
const callCounts = (c: { made: number; changed: number; failed: number }) => ({ checked: c.made, changed: c.changed, failed: c.failed });

/** A run as the status API shows it, without its live ETA (a finished figure here). */
export const CheckRunSummary = CheckRunView.omit({ eta_seconds: true }).meta({ id: 'CheckRunSummary' });

export const Statistics = z
  .object({
    scope: z
      .object({ shop_id: z.number().int().nullable() })
      .meta({ description: "shop_id is set for staff: every figure is their shop's" }),
    simcards: z.object({
      total: z.number().int(),
      by_status: byStatus,
      by_operator: z.array(z.object({ operator: z.string().nullable(), total: z.number().int(), by_status: byStatus })),
    }),
    sold: z
      .object({
        today: z.number().int(),
        last_7_days: z.number().int(),
        last_30_days: z.number().int(),
        this_week: z.number().int().meta({ description: 'Since Monday (dealer calendar), today included' }),
        this_month: z.number().int().meta({ description: 'Since the 1st of this month (dealer calendar), today included' }),
      })
      .meta({
        description:
          "Sales dated by activation, credited to the shop that held the SIM then; the dealer's calendar days (TIME_ZONE), today included",
      }),
    checks: z
      .object({
        checked_today: z
          .number()
          .int()
          .meta({ description: 'SIMs checked today: operator calls made by runs and single checks, changed or not' }),
        changed_today: z.number().int().meta({ description: 'Checks today whose answer changed the SIM' }),
        failed_today: z.number().int().meta({ description: 'Checks today the operator failed (timeout, error, unusable answer)' }),
        runs_today: CheckCallCounts.meta({ description: 'Of these, by check runs (scheduled or started by hand)' }),
        manual_today: CheckCallCounts.meta({ description: 'Of these, by single and bulk checks' }),
        today: z.number().int().meta({ description: 'Same as checked_today (kept for older clients)' }),
        errors_today: z.number().int().meta({ description: 'Same as failed_today (kept for older clients)' }),
      })
      .meta({
        description:
          "Every operator call counted (the check counters), per the dealer's day (TIME_ZONE); staff: checks of SIMs at their shop",
      }),
    last_check_run: CheckRunSummary.nullable(),
    last_completed_check_at: timestamp.nullable(),
    data_stale: z.boolean().nullable().meta({
      description:
        'True when the last completed check run is older than twice AUTO_CHECK_INTERVAL_MIN (or there is none); null when scheduled checks are off',
    }),
    sold_per_day: SoldPerDay.optional().meta({ description: 'With ?days=N: sales per day, every day present' }),
  })
  .meta({ id: 'Statistics' });

export const ShopFigures = z
  .object({
    shop_id: z.number().int(),
    name: z.string(),
    code: z.string(),
    is_active: z.boolean(),
    assigned: z
      .number()
      .int()
      .meta({ description: 'in_shop + sold: SIMs the shop holds or sold (transferred-away and returned ones are not counted)' }),
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
    sold: {
      today: o.sold.today,
      last_7_days: o.sold.last7Days,
      last_30_days: o.sold.last30Days,
      this_week: o.sold.thisWeek,
      this_month: o.sold.thisMonth,
    },
    checks: {
      checked_today: o.checks.today.made,
      changed_today: o.checks.today.changed,
      failed_today: o.checks.today.failed,
      runs_today: callCounts(o.checks.runs),
      manual_today: callCounts(o.checks.manual),
      today: o.checks.today.made,
      errors_today: o.checks.today.failed,
    },
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
