/**
 * SIM cards for an export, a page at a time in id order (keyset: `id > afterId`), so a million
 * rows are never held at once. knex's `.stream()` would not do: on SQLite it reads the whole
 * result into memory before emitting the first row.
 */
import type { Queryable } from '../connection.js';
import type { SimcardRow } from '../rows.js';
import { applyFilter, type SimcardFilter } from './simcards.js';

export function pageAfter(db: Queryable, filter: SimcardFilter, afterId: number, limit: number): Promise<SimcardRow[]> {
  return applyFilter(db<SimcardRow>('simcards'), filter).where('id', '>', afterId).orderBy('id').limit(limit);
}

/** Every shop's code and name by id, to name the shop in each exported row without a join per page. */
export async function shopNames(db: Queryable): Promise<Map<number, { code: string; name: string }>> {
  const rows: { id: number; code: string; name: string }[] = await db('shops').select('id', 'code', 'name');
  return new Map(rows.map((r) => [r.id, { code: r.code, name: r.name }]));
}
