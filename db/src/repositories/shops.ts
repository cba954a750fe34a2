import type { Queryable } from '../connection.js';
import type { Page, PageRequest, ShopRow, SortRequest } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';

export type ShopSortColumn = 'id' | 'name' | 'code' | 'city' | 'created_at';

export interface ShopFilter {
  /** Staff see only their own shop. */
  onlyId?: number | null;
  q?: string;
  isActive?: boolean;
}

export type NewShop = Omit<ShopRow, 'id' | 'created_at' | 'updated_at'>;

export function findById(db: Queryable, id: number): Promise<ShopRow | undefined> {
  return db<ShopRow>('shops').where({ id }).first();
}

export async function list(
  db: Queryable,
  filter: ShopFilter,
  page: PageRequest,
  sort: SortRequest<ShopSortColumn>,
): Promise<Page<ShopRow>> {
  const qb = db<ShopRow>('shops');
  if (filter.onlyId != null) qb.where('id', filter.onlyId);
  if (filter.isActive !== undefined) qb.where('is_active', filter.isActive);
  if (filter.q) {
    const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    qb.where((w) => w.whereRaw(`lower(name) like ? escape '\\'`, [like]).orWhereRaw(`lower(code) like ? escape '\\'`, [like]));
  }
  const [rows, total] = await Promise.all([
    qb.clone().orderBy(sort.column, sort.direction).orderBy('id', sort.direction).limit(page.limit).offset(page.offset),
    countOf(qb.clone()),
  ]);
  return { rows, total };
}

export async function insert(db: Queryable, shop: NewShop): Promise<ShopRow> {
  const at = now();
  const [row] = await db<ShopRow>('shops')
    .insert({ ...shop, created_at: at, updated_at: at })
    .returning('*');
  return row as ShopRow;
}

export async function update(db: Queryable, id: number, patch: Partial<NewShop>): Promise<ShopRow | undefined> {
  const [row] = await db<ShopRow>('shops')
    .where({ id })
    .update({ ...patch, updated_at: now() })
    .returning('*');
  return row as ShopRow | undefined;
}

export async function remove(db: Queryable, id: number): Promise<number> {
  return db('shops').where({ id }).delete();
}

/** What still points at a shop: it may only be deleted when both are zero. */
export async function holdings(db: Queryable, id: number): Promise<{ simcards: number; users: number }> {
  const [simcards, users] = await Promise.all([
    countOf(db('simcards').where({ shop_id: id })),
    countOf(db('users').where({ shop_id: id })),
  ]);
  return { simcards, users };
}
