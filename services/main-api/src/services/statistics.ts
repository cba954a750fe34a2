/**
 * The rules for the statistics: what "today" and "the last 7 days" mean (days in the dealer's
 * time zone, TIME_ZONE), who sees which shop, and when the checked data is stale. The figures
 * themselves come from the database. Sales are dated by `sold_at`, the activation date.
 */
import {
  addDays,
  dealerDayBounds,
  dealerDays,
  dealerMonthBounds,
  dealerOffsetMinutes,
  dealerToday,
  DEFAULT_TIME_ZONE,
  NotFoundError,
  type Principal,
  shopScope,
} from '@simcard/common';
import {
  checkCountsRepository,
  type CheckRunRow,
  type Db,
  type PageRequest,
  type ShopFigureSortColumn,
  type SimcardStatus,
  simcardTalliesRepository,
  type SortRequest,
  statisticsRepository,
} from '@simcard/db';

const STATUSES: readonly SimcardStatus[] = ['in_stock', 'assigned', 'sold', 'blocked'];

export interface Overview {
  shopId: number | null;
  byStatus: Record<SimcardStatus, number>;
  byOperator: { operator: string | null; total: number; byStatus: Record<SimcardStatus, number> }[];
  total: number;
  /** `thisWeek`: since Monday; `thisMonth`: since the 1st (dealer calendar, today included). */
  sold: { today: number; last7Days: number; last30Days: number; thisWeek: number; thisMonth: number };
  /** Operator calls made today (dealer day), from the check counters: every check, changed or not. */
  checks: {
    today: checkCountsRepository.CheckCounts;
    /** Today's calls by who asked: runs (scheduled or started by hand), or single/bulk checks. */
    runs: checkCountsRepository.CheckCounts;
    manual: checkCountsRepository.CheckCounts;
  };
  lastRun: CheckRunRow | null;
  lastCompletedAt: Date | null;
  /** Null when scheduled checks are off (AUTO_CHECK_INTERVAL_MIN=0): there is no expected age. */
  dataStale: boolean | null;
  /** Only when asked for. */
  series?: { day: string; sold: number }[];
}

export interface ShopStats {
  figures: statisticsRepository.ShopFiguresRow;
  series: { day: string; sold: number }[];
}

function zeroByStatus(): Record<SimcardStatus, number> {
  return { in_stock: 0, assigned: 0, sold: 0, blocked: 0 };
}

/** The first instant of the window of `days` dealer days that ends today. */
export function windowStart(now: Date, days: number, timeZone: string = DEFAULT_TIME_ZONE): Date {
  return new Date(dealerDayBounds(addDays(dealerToday(timeZone, now), -(days - 1)), timeZone).from);
}

/** The dealer's Monday of this week and the 1st of this month, as their first instants. */
export function weekAndMonthStart(now: Date, timeZone: string = DEFAULT_TIME_ZONE): { week: Date; month: Date } {
  const today = dealerToday(timeZone, now);
  // 0 = Sunday in getUTCDay of the day's own date; a week starts on Monday.
  const sinceMonday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
  return {
    week: new Date(dealerDayBounds(addDays(today, -sinceMonday), timeZone).from),
    month: new Date(dealerMonthBounds(today.slice(0, 7), timeZone).from),
  };
}

/** The last `days` dealer days, today included, oldest first, with their bounds. */
export function lastDays(now: Date, days: number, timeZone: string): Array<{ day: string; from: string; to: string }> {
  const today = dealerToday(timeZone, now);
  return dealerDays(addDays(today, -(days - 1)), today, timeZone);
}

/**
 * Stale when the last completed run finished longer ago than twice the interval, or never did.
 * With scheduled checks off nothing is expected to refresh the data: null, not a guess.
 */
export function isDataStale(lastCompletedAt: Date | null, intervalMin: number, now: Date): boolean | null {
  if (intervalMin <= 0) return null;
  if (lastCompletedAt === null) return true;
  return now.getTime() - lastCompletedAt.getTime() > 2 * intervalMin * 60_000;
}

export class StatisticsService {
  constructor(
    private readonly db: Db,
    private readonly autoCheckIntervalMin: number,
    private readonly timeZone: string = DEFAULT_TIME_ZONE,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** With `seriesDays`, also the sales per day over that many days (the dealer's, or the staff member's shop's). */
  async overview(principal: Principal, seriesDays?: number): Promise<Overview> {
    const shopId = shopScope(principal);
    const now = this.clock();
    const { week, month } = weekAndMonthStart(now, this.timeZone);
    const since = [...[1, 7, 30].map((n) => windowStart(now, n, this.timeZone)), week, month].map((d) => d.toISOString());
    const today = dealerDayBounds(dealerToday(this.timeZone, now), this.timeZone);
    const [groups, sold, checks, lastRun, lastCompleted, series] = await Promise.all([
      simcardTalliesRepository.countsByOperatorAndStatus(this.db, shopId === null ? {} : { shopId }),
      statisticsRepository.salesSince(this.db, shopId, since),
      checkCountsRepository.bySource(this.db, { ...today, shopId }),
      statisticsRepository.lastRun(this.db),
      statisticsRepository.lastCompletedRun(this.db),
      seriesDays === undefined ? undefined : this.series(shopId, seriesDays, now),
    ]);

    // Summing the few (operator, status) groups the database keeps counted.
    const byStatus = zeroByStatus();
    const operators = new Map<string | null, { operator: string | null; total: number; byStatus: Record<SimcardStatus, number> }>();
    for (const g of groups) {
      const status = g.status as SimcardStatus;
      if (!STATUSES.includes(status)) continue;
      byStatus[status] += g.count;
      const op = operators.get(g.operator) ?? { operator: g.operator, total: 0, byStatus: zeroByStatus() };
      op.total += g.count;
      op.byStatus[status] += g.count;
      operators.set(g.operator, op);
    }
    const lastCompletedAt = lastCompleted?.finished_at ? new Date(lastCompleted.finished_at) : null;
    return {
      shopId,
      byStatus,
      byOperator: [...operators.values()].sort((a, b) => b.total - a.total || String(a.operator).localeCompare(String(b.operator))),
      total: STATUSES.reduce((n, s) => n + byStatus[s], 0),
      sold: { today: sold[0] ?? 0, last7Days: sold[1] ?? 0, last30Days: sold[2] ?? 0, thisWeek: sold[3] ?? 0, thisMonth: sold[4] ?? 0 },
      checks: {
        today: sumCounts(checks.auto, checks.manual, checks.bulk),
        runs: checks.auto,
        manual: sumCounts(checks.manual, checks.bulk),
      },
      lastRun: lastRun ?? null,
      lastCompletedAt,
      dataStale: isDataStale(lastCompletedAt, this.autoCheckIntervalMin, now),
      ...(series ? { series } : {}),
    };
  }

  /** Sales per dealer day for the last `days` days, today included; every day present, zeros included. */
  private async series(shopId: number | null, days: number, now: Date): Promise<{ day: string; sold: number }[]> {
    const window = lastDays(now, days, this.timeZone);
    const offsetAt = (iso: string) => dealerOffsetMinutes(iso, this.timeZone);
    const byDay = new Map((await statisticsRepository.dailySales(this.db, shopId, window, offsetAt)).map((d) => [d.day, d.sold]));
    return window.map(({ day }) => ({ day, sold: byDay.get(day) ?? 0 }));
  }

  shops(page: PageRequest, sort: SortRequest<ShopFigureSortColumn>) {
    return statisticsRepository.shopFigures(this.db, page, sort);
  }

  /** One shop's figures and its sales per day for the last `days` days, days without sales as 0. Another shop's: 404 to staff. */
  async shop(principal: Principal, shopId: number, days: number): Promise<ShopStats> {
    const scope = shopScope(principal);
    if (scope !== null && scope !== shopId) throw new NotFoundError('Shop');
    const [figures, series] = await Promise.all([
      statisticsRepository.figuresForShop(this.db, shopId),
      this.series(shopId, days, this.clock()),
    ]);
    if (!figures) throw new NotFoundError('Shop');
    return { figures, series };
  }
}

function sumCounts(...all: checkCountsRepository.CheckCounts[]): checkCountsRepository.CheckCounts {
  const out = checkCountsRepository.zeroCounts();
  for (const c of all) for (const k of ['made', 'answered', 'changed', 'failed'] as const) out[k] += c[k];
  return out;
}
