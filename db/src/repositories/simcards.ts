import type { Knex } from 'knex';
import type { Queryable } from '../connection.js';
import type { Page, PageRequest, SimcardRow, SimcardStatus, SortRequest } from '../rows.js';
import { now } from '../time.js';
import { countOf, wherePrefix } from './query-helpers.js';
import * as simcardTallies from './simcard-tallies.js';

export const SIMCARD_SORT_COLUMNS = [
  'id',
  'iccid',
  'msisdn',
  'status',
  'operator',
  'price',
  'batch_id',
  'created_at',
  'updated_at',
  'assigned_at',
  'sold_at',
  'last_checked_at',
] as const;
export type SimcardSortColumn = (typeof SIMCARD_SORT_COLUMNS)[number];

export interface SimcardFilter {
  /** Staff scope or an explicit filter: only this shop's SIMs. */
  shopId?: number;
  status?: SimcardStatus;
  operator?: string;
  batchId?: string;
  /** Digits: a prefix of the ICCID, or of the MSISDN with or without +998. */
  q?: string;
}

export type NewSimcard = Pick<SimcardRow, 'iccid' | 'msisdn' | 'operator' | 'tariff' | 'price' | 'batch_id' | 'shop_id' | 'status' | 'assigned_at' | 'notes'>;
export type SimcardPatch = Partial<Omit<SimcardRow, 'id' | 'created_at' | 'updated_at'>>;

export function findById(db: Queryable, id: number): Promise<SimcardRow | undefined> {
  return db<SimcardRow>('simcards').where({ id }).first();
}

/** Narrows a query on `simcards` to `filter`: one definition for the list and the export. */
export function applyFilter(qb: Knex.QueryBuilder, filter: SimcardFilter): Knex.QueryBuilder {
  if (filter.shopId !== undefined) qb.where('shop_id', filter.shopId);
  if (filter.status) qb.where('status', filter.status);
  if (filter.operator) qb.where('operator', filter.operator);
  if (filter.batchId) qb.where('batch_id', filter.batchId);
  if (filter.q) {
    const q = filter.q;
    qb.where((w) => {
      w.where((x) => wherePrefix(x, 'iccid', q))
        .orWhere((x) => wherePrefix(x, 'msisdn', `+${q}`))
        .orWhere((x) => wherePrefix(x, 'msisdn', `+998${q}`));
    });
  }
  return qb;
}

export async function list(
  db: Queryable,
  filter: SimcardFilter,
  page: PageRequest,
  sort: SortRequest<SimcardSortColumn>,
): Promise<Page<SimcardRow>> {
  const qb = applyFilter(db<SimcardRow>('simcards'), filter);
  const ordered = qb.clone().orderBy(sort.column, sort.direction);
  if (sort.column !== 'id') ordered.orderBy('id', sort.direction);
  const [rows, total] = await Promise.all([ordered.limit(page.limit).offset(page.offset), countMatching(db, filter, qb)]);
  return { rows, total };
}

/**
 * How many SIMs match: from the counters the database keeps per (shop, operator, status) when
 * the filter is made of those alone (every list page of a million SIMs would otherwise count a
 * million rows), else by counting the filtered rows.
 */
function countMatching(db: Queryable, filter: SimcardFilter, filtered: Knex.QueryBuilder): Promise<number> {
  if (filter.batchId || filter.q) return countOf(filtered.clone());
  return simcardTallies.count(db, { shopId: filter.shopId, status: filter.status, operator: filter.operator || undefined });
}

export async function insert(db: Queryable, simcard: NewSimcard): Promise<SimcardRow> {
  const at = now();
  const [row] = await db<SimcardRow>('simcards').insert({ ...simcard, created_at: at, updated_at: at }).returning('*');
  return row as SimcardRow;
}

export async function update(db: Queryable, id: number, patch: SimcardPatch): Promise<SimcardRow | undefined> {
  const [row] = await db<SimcardRow>('simcards').where({ id }).update({ ...patch, updated_at: now() }).returning('*');
  return row as SimcardRow | undefined;
}

/** Updates the SIM only if nobody changed it since it was read (optimistic concurrency); undefined otherwise. */
export async function updateIfUnchanged(db: Queryable, sim: Pick<SimcardRow, 'id' | 'updated_at'>, patch: SimcardPatch): Promise<SimcardRow | undefined> {
  const [row] = await db<SimcardRow>('simcards').where({ id: sim.id, updated_at: sim.updated_at }).update({ ...patch, updated_at: now() }).returning('*');
  return row as SimcardRow | undefined;
}

export function remove(db: Queryable, id: number): Promise<number> {
  return db('simcards').where({ id }).delete();
}

export function findByIccid(db: Queryable, iccid: string): Promise<SimcardRow | undefined> {
  return db<SimcardRow>('simcards').where({ iccid }).first();
}

export function findByIccids(db: Queryable, iccids: string[]): Promise<SimcardRow[]> {
  return db<SimcardRow>('simcards').whereIn('iccid', iccids);
}

/** The statuses an auto-check run looks at: those that can still change, and sold/blocked when asked. */
export function checkableStatuses(includeSold: boolean): SimcardStatus[] {
  return includeSold ? ['assigned', 'in_stock', 'sold', 'blocked'] : ['assigned', 'in_stock'];
}

/** The next page of SIMs for a run, in id order after `afterId`. */
export function nextToCheck(db: Queryable, afterId: number, includeSold: boolean, limit: number): Promise<SimcardRow[]> {
  return db<SimcardRow>('simcards')
    .whereIn('status', checkableStatuses(includeSold))
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit);
}

export function countToCheck(db: Queryable, includeSold: boolean, afterId = 0): Promise<number> {
  return countOf(db('simcards').whereIn('status', checkableStatuses(includeSold)).where('id', '>', afterId));
}
