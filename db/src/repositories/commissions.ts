/**
 * Commission rules, shop shares and the commissions kept with each sale (migration 1701: the
 * trigger there computes a sale's row; nothing here computes amounts).
 */
import type { Db, Queryable } from '../connection.js';
import type { DbBoolean, DbTimestamp } from '../rows.js';
import { now } from '../time.js';
import { num } from './sql-dates.js';

export interface CommissionRuleRow {
  id: number;
  series_id: number | null;
  version: number;
  operator: string;
  tariff: string | null;
  amount: number;
  valid_from: string;
  valid_to: string | null;
  from_at: DbTimestamp;
  to_at: DbTimestamp | null;
  active: DbBoolean;
  replaced_by: number | null;
  note: string | null;
  created_by: number | null;
  created_by_name: string;
  created_at: DbTimestamp;
  retired_at: DbTimestamp | null;
}

export type NewCommissionRule = Pick<
  CommissionRuleRow,
  'operator' | 'tariff' | 'amount' | 'valid_from' | 'valid_to' | 'note' | 'created_by' | 'created_by_name'
> & {
  from_at: string;
  to_at: string | null;
  series_id?: number | null;
  version?: number;
};

export interface ShareRow {
  id: number;
  series_id: number | null;
  version: number;
  shop_id: number | null;
  kind: 'percent' | 'fixed';
  value: number;
  valid_from: string;
  from_at: DbTimestamp;
  active: DbBoolean;
  replaced_by: number | null;
  created_by: number | null;
  created_by_name: string;
  created_at: DbTimestamp;
  retired_at: DbTimestamp | null;
}

export type NewShare = Pick<ShareRow, 'shop_id' | 'kind' | 'value' | 'valid_from' | 'created_by' | 'created_by_name'> & {
  from_at: string;
  series_id?: number | null;
  version?: number;
};

export interface RuleFilter {
  operator?: string;
  /** Replaced and retired versions too. */
  includeInactive?: boolean;
}

export function listRules(db: Queryable, filter: RuleFilter): Promise<CommissionRuleRow[]> {
  const qb = db<CommissionRuleRow>('commission_rules');
  if (filter.operator !== undefined) qb.where('operator', filter.operator);
  if (!filter.includeInactive) qb.where('active', true);
  return qb
    .orderBy('operator')
    .orderByRaw('case when tariff is null then 0 else 1 end')
    .orderBy('tariff')
    .orderBy('from_at', 'desc')
    .orderBy('id', 'desc');
}

export function findRule(db: Queryable, id: number): Promise<CommissionRuleRow | undefined> {
  return db<CommissionRuleRow>('commission_rules').where({ id }).first();
}

export async function insertRule(db: Queryable, rule: NewCommissionRule): Promise<CommissionRuleRow> {
  const [row] = await db('commission_rules')
    .insert({ ...rule, version: rule.version ?? 1, active: true, created_at: now() })
    .returning('*');
  const inserted = row as CommissionRuleRow;
  if (rule.series_id === undefined || rule.series_id === null) {
    await db('commission_rules').where({ id: inserted.id }).update({ series_id: inserted.id });
    inserted.series_id = inserted.id;
  }
  return inserted;
}

/** A version stops applying to new sales: replaced by `replacedBy`, or retired (null). */
export async function deactivateRule(db: Queryable, id: number, replacedBy: number | null): Promise<void> {
  await db('commission_rules').where({ id }).update({ active: false, replaced_by: replacedBy, retired_at: now() });
}

/** How many kept sale commissions name this rule version. */
export async function ruleUses(db: Queryable, id: number): Promise<number> {
  const row = (await db('sale_commissions').where({ rule_id: id }).count({ n: '*' }).first()) as { n: unknown } | undefined;
  return num(row?.n);
}

export function listShares(db: Queryable, includeInactive: boolean): Promise<ShareRow[]> {
  const qb = db<ShareRow>('commission_shares');
  if (!includeInactive) qb.where('active', true);
  return qb.orderByRaw('case when shop_id is null then 0 else 1 end').orderBy('shop_id').orderBy('from_at', 'desc').orderBy('id', 'desc');
}

export function findShare(db: Queryable, id: number): Promise<ShareRow | undefined> {
  return db<ShareRow>('commission_shares').where({ id }).first();
}

export async function insertShare(db: Queryable, share: NewShare): Promise<ShareRow> {
  const [row] = await db('commission_shares')
    .insert({ ...share, version: share.version ?? 1, active: true, created_at: now() })
    .returning('*');
  const inserted = row as ShareRow;
  if (share.series_id === undefined || share.series_id === null) {
    await db('commission_shares').where({ id: inserted.id }).update({ series_id: inserted.id });
    inserted.series_id = inserted.id;
  }
  return inserted;
}

export async function deactivateShare(db: Queryable, id: number, replacedBy: number | null): Promise<void> {
  await db('commission_shares').where({ id }).update({ active: false, replaced_by: replacedBy, retired_at: now() });
}

export interface SaleCommissionRow {
  simcard_id: number;
  shop_id: number | null;
  operator: string | null;
  tariff: string | null;
  sold_at: DbTimestamp;
  rule_id: number | null;
  amount: number;
  share_id: number | null;
  share: number;
  computed_at: DbTimestamp;
}

export function saleCommission(db: Queryable, simcardId: number): Promise<SaleCommissionRow | undefined> {
  return db<SaleCommissionRow>('sale_commissions').where({ simcard_id: simcardId }).first();
}

export interface RecomputeTotals {
  sales: number;
  amount: number;
  share: number;
}

async function totalsIn(db: Queryable, from: string, to: string): Promise<RecomputeTotals> {
  const row = (await db('sale_commissions')
    .where('sold_at', '>=', from)
    .where('sold_at', '<', to)
    .first(
      db.raw('count(*) as sales'),
      db.raw('coalesce(sum(amount), 0) as amount'),
      db.raw('coalesce(sum(share), 0) as share'),
    )) as Record<string, unknown>;
  return { sales: num(row.sales), amount: num(row.amount), share: num(row.share) };
}

/**
 * Recomputes the kept commissions of the sales in [from, to) under today's rules: their rows
 * are deleted and `sold_at` is written again, so the trigger (the one place amounts come from)
 * computes them afresh. Call inside a write transaction. Answers the totals before and after.
 */
export async function recompute(db: Queryable, from: string, to: string): Promise<{ before: RecomputeTotals; after: RecomputeTotals }> {
  const before = await totalsIn(db, from, to);
  await db('sale_commissions').where('sold_at', '>=', from).where('sold_at', '<', to).delete();
  await db('simcards')
    .whereNotNull('sold_at')
    .where('sold_at', '>=', from)
    .where('sold_at', '<', to)
    .update({ sold_at: db.ref('sold_at') });
  return { before, after: await totalsIn(db, from, to) };
}

export type { Db };
