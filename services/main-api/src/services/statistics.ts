/**
 * The rules for the statistics: what "today" and "the last 7 days" mean, who sees which shop,
 * and when the checked data is stale. The figures themselves come from the database.
 */
import { NotFoundError, shopScope, type Principal } from '@simcard/common';
import {
  simcardTalliesRepository,
  statisticsRepository,
  type CheckRunRow,
  type Db,
  type PageRequest,
  type ShopFigureSortColumn,
  type SimcardStatus,
  type SortRequest,
  DAY_MS,
  startOfUtcDay,
} from '@simcard/db';

const STATUSES: readonly SimcardStatus[] = ['in_stock', 'assigned', 'sold', 'blocked'];

export interface Overview {
  shopId: number | null;
  byStatus: Record<SimcardStatus, number>;
  byOperator: { operator: string | null; total: number; byStatus: Record<SimcardStatus, number> }[];
  total: number;
  sold: { today: number; last7Days: number; last30Days: number };
  checks: { today: number; errorsToday: number };
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

/** The first instant of the calendar-day window of `days` days that ends today (UTC). */
export function windowStart(now: Date, days: number): Date {
  return new Date(startOfUtcDay(now).getTime() - (days - 1) * DAY_MS);
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
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** With `seriesDays`, also the sales per day over that many days (the dealer's, or the staff member's shop's). */
  async overview(principal: Principal, seriesDays?: number): Promise<Overview> {
    const shopId = shopScope(principal);
    const now = this.clock();
    const since = [windowStart(now, 1), windowStart(now, 7), windowStart(now, 30)].map((d) => d.toISOString());
    const days = since.map((s) => s.slice(0, 10));
    const [groups, sold, checks, lastRun, lastCompleted, series] = await Promise.all([
      simcardTalliesRepository.countsByOperatorAndStatus(this.db, shopId === null ? {} : { shopId }),
      statisticsRepository.salesSinceDays(this.db, shopId, days),
      statisticsRepository.checksSince(this.db, shopId, since[0]!),
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
      sold: { today: sold[0] ?? 0, last7Days: sold[1] ?? 0, last30Days: sold[2] ?? 0 },
      checks: { today: checks.checks, errorsToday: checks.errors },
      lastRun: lastRun ?? null,
      lastCompletedAt,
      dataStale: isDataStale(lastCompletedAt, this.autoCheckIntervalMin, now),
      ...(series ? { series } : {}),
    };
  }

  /** Sales per UTC day for the last `days` days, today included; every day present, zeros included. */
  private async series(shopId: number | null, days: number, now: Date): Promise<{ day: string; sold: number }[]> {
    const start = windowStart(now, days);
    const byDay = new Map((await statisticsRepository.dailySales(this.db, shopId, start.toISOString())).map((d) => [d.day, d.sold]));
    return Array.from({ length: days }, (_, i) => {
      const day = new Date(start.getTime() + i * DAY_MS).toISOString().slice(0, 10);
      return { day, sold: byDay.get(day) ?? 0 };
    });
  }

  shops(page: PageRequest, sort: SortRequest<ShopFigureSortColumn>) {
    return statisticsRepository.shopFigures(this.db, page, sort);
  }

  /** One shop's figures and its sales per day for the last `days` days, days without sales as 0. Another shop's: 404 to staff. */
  async shop(principal: Principal, shopId: number, days: number): Promise<ShopStats> {
    const scope = shopScope(principal);
    if (scope !== null && scope !== shopId) throw new NotFoundError('Shop');
    const [figures, series] = await Promise.all([statisticsRepository.figuresForShop(this.db, shopId), this.series(shopId, days, this.clock())]);
    if (!figures) throw new NotFoundError('Shop');
    return { figures, series };
  }
}
