/**
 * The anomaly report: which SIMs contradict the lifecycle or the operator, and how long unsold
 * SIMs have sat at each shop. Admins only (the route says so): it spans stock and every shop.
 */
import { OPERATOR_PREFIXES } from '@simcard/common';
import { anomaliesRepository, ANOMALY_KINDS, type AnomalyKind, DAY_MS, type Db, type PageRequest } from '@simcard/db';

/** Stale SIMs are split at 1×, 2× and 3× STALE_DAYS: e.g. 30-60, 60-90 and 90+ days. */
const BUCKET_MULTIPLES = [1, 2, 3] as const;

export interface AgeBucket {
  min_days: number;
  max_days: number | null;
}

export class AnomaliesService {
  constructor(
    private readonly db: Db,
    private readonly staleDays: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private context(now: Date): anomaliesRepository.AnomalyContext {
    return { staleBefore: this.daysAgo(now, this.staleDays), operatorPrefixes: OPERATOR_PREFIXES };
  }

  private daysAgo(now: Date, days: number): string {
    return new Date(now.getTime() - days * DAY_MS).toISOString();
  }

  get buckets(): AgeBucket[] {
    return BUCKET_MULTIPLES.map((m, i) => {
      const next = BUCKET_MULTIPLES[i + 1];
      return { min_days: m * this.staleDays, max_days: next === undefined ? null : next * this.staleDays };
    });
  }

  async summary() {
    const now = this.clock();
    const edges = BUCKET_MULTIPLES.map((m) => this.daysAgo(now, m * this.staleDays));
    const [counts, staleByShop] = await Promise.all([
      anomaliesRepository.count(
        this.db,
        ANOMALY_KINDS.filter((k) => k !== 'stale_assigned'),
        this.context(now),
      ),
      anomaliesRepository.staleByShop(this.db, edges),
    ]);
    // Every assigned SIM is at a shop: the per-shop table already counted the stale ones.
    const stale = staleByShop.reduce((n, r) => n + r.total, 0);
    return {
      staleDays: this.staleDays,
      buckets: this.buckets,
      counts: { ...counts, stale_assigned: stale } as Record<AnomalyKind, number>,
      staleByShop,
    };
  }

  list(kind: AnomalyKind, page: PageRequest) {
    return anomaliesRepository.list(this.db, kind, this.context(this.clock()), page);
  }
}
