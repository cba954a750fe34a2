/**
 * The chase table: per shop, how well it sells and what it sits on (unsold SIMs by age since
 * they reached it), its last sale and the money the dealer owes it. And the "reviewed, with a
 * note" marks admins put on anomalous SIMs. Admins only (the routes say so).
 */
import { NotFoundError, type Principal } from '@simcard/common';
import {
  anomaliesRepository,
  type AnomalyKind,
  anomalyReviewsRepository,
  DAY_MS,
  type Db,
  simcardsRepository,
  statementsRepository,
  statisticsRepository,
  writeTransaction,
} from '@simcard/db';
import { recordAudit } from './audit.js';

/** Age buckets in whole days since arrival: 0-7, 8-30, 31-60, over 60. */
export const AGE_BUCKETS = [
  { key: 'age_0_7', min_days: 0, max_days: 7 },
  { key: 'age_8_30', min_days: 8, max_days: 30 },
  { key: 'age_31_60', min_days: 31, max_days: 60 },
  { key: 'age_61_plus', min_days: 61, max_days: null },
] as const;

export const CHASE_SORT_COLUMNS = [
  'name',
  'code',
  'sell_through',
  'in_shop',
  'sold',
  'age_0_7',
  'age_8_30',
  'age_31_60',
  'age_61_plus',
  'last_sale_at',
  'owed',
] as const;
export type ChaseSortColumn = (typeof CHASE_SORT_COLUMNS)[number];

export interface ChaseRow {
  shop_id: number;
  name: string;
  code: string;
  is_active: boolean;
  assigned: number;
  in_shop: number;
  sold: number;
  sell_through: number | null;
  age_0_7: number;
  age_8_30: number;
  age_31_60: number;
  age_61_plus: number;
  oldest_assigned_at: string | null;
  last_sale_at: string | null;
  /** All shares earned minus all payments made, in so'm. */
  owed: number;
}

const FAR_FUTURE = '9999-12-31T00:00:00.000Z';
const iso = (v: unknown) =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();

export class ChaseService {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async table(
    sort: { column: ChaseSortColumn; direction: 'asc' | 'desc' },
    page: { limit: number; offset: number },
  ): Promise<{ rows: ChaseRow[]; total: number }> {
    const now = this.clock().getTime();
    const ago = (days: number) => new Date(now - days * DAY_MS).toISOString();
    // staleByShop's edges: newest first; bucket i is [edges[i+1], edges[i]).
    const edges = [FAR_FUTURE, ago(8), ago(31), ago(61)];
    const [figures, ages, owed] = await Promise.all([
      statisticsRepository.shopFigures(this.db, { limit: 1_000_000, offset: 0 }, { column: 'id', direction: 'asc' }),
      anomaliesRepository.staleByShop(this.db, edges),
      statementsRepository.owedByShop(this.db),
    ]);
    const byShop = new Map(ages.map((a) => [a.shop_id, a]));
    const rows: ChaseRow[] = figures.rows.map((f) => {
      const a = byShop.get(f.shop_id);
      const o = owed.get(f.shop_id);
      return {
        shop_id: f.shop_id,
        name: f.name,
        code: f.code,
        is_active: Boolean(f.is_active),
        assigned: f.assigned,
        in_shop: f.in_shop,
        sold: f.sold,
        sell_through: f.sell_through === null ? null : Math.round(f.sell_through * 10) / 10,
        age_0_7: a?.buckets[0] ?? 0,
        age_8_30: a?.buckets[1] ?? 0,
        age_31_60: a?.buckets[2] ?? 0,
        age_61_plus: a?.buckets[3] ?? 0,
        oldest_assigned_at: iso(a?.oldest_assigned_at),
        last_sale_at: iso(f.last_sale_at),
        owed: (o?.share ?? 0) - (o?.paid ?? 0),
      };
    });
    const sign = sort.direction === 'asc' ? 1 : -1;
    rows.sort((x, y) => {
      const a = x[sort.column];
      const b = y[sort.column];
      // Empty values last in both directions, as GET /statistics/shops does.
      if (a === null && b !== null) return 1;
      if (b === null && a !== null) return -1;
      if (a !== b && a !== null && b !== null) return (a < b ? -1 : 1) * sign;
      return (x.shop_id - y.shop_id) * sign;
    });
    return { rows: rows.slice(page.offset, page.offset + page.limit), total: rows.length };
  }

  async review(
    principal: Principal,
    kind: AnomalyKind,
    simcardId: number,
    note: string,
  ): Promise<anomalyReviewsRepository.AnomalyReviewRow> {
    return writeTransaction(this.db, async (trx) => {
      if (!(await simcardsRepository.findById(trx, simcardId))) throw new NotFoundError('SIM card');
      const before = await anomalyReviewsRepository.find(trx, kind, simcardId);
      const review = await anomalyReviewsRepository.upsert(trx, {
        kind,
        simcard_id: simcardId,
        note,
        reviewed_by: principal.userId > 0 ? principal.userId : null,
        reviewed_by_name: principal.username.slice(0, 120),
      });
      await recordAudit(trx, principal, {
        action: before ? 'update' : 'create',
        entity: 'anomaly_review',
        entityId: review.id,
        before: before ?? null,
        after: review,
      });
      return review;
    });
  }

  async unreview(principal: Principal, kind: AnomalyKind, simcardId: number): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      const before = await anomalyReviewsRepository.find(trx, kind, simcardId);
      if (!before) throw new NotFoundError('Review');
      await anomalyReviewsRepository.remove(trx, kind, simcardId);
      await recordAudit(trx, principal, { action: 'delete', entity: 'anomaly_review', entityId: before.id, before });
    });
  }

  reviews(kind: AnomalyKind, simcardIds: number[]) {
    return anomalyReviewsRepository.forSimcards(this.db, kind, simcardIds);
  }
}
