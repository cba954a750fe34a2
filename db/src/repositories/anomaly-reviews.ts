/** "Reviewed, with a note" marks on anomalous SIMs: one per (kind, SIM), the latest note wins. */
import type { Queryable } from '../connection.js';
import type { DbTimestamp } from '../rows.js';
import { now } from '../time.js';

export interface AnomalyReviewRow {
  id: number;
  kind: string;
  simcard_id: number;
  note: string;
  reviewed_by: number | null;
  reviewed_by_name: string;
  reviewed_at: DbTimestamp;
}

export async function upsert(db: Queryable, review: Omit<AnomalyReviewRow, 'id' | 'reviewed_at'>): Promise<AnomalyReviewRow> {
  const [row] = await db('anomaly_reviews')
    .insert({ ...review, reviewed_at: now() })
    .onConflict(['kind', 'simcard_id'])
    .merge(['note', 'reviewed_by', 'reviewed_by_name', 'reviewed_at'])
    .returning('*');
  return row as AnomalyReviewRow;
}

export function find(db: Queryable, kind: string, simcardId: number): Promise<AnomalyReviewRow | undefined> {
  return db<AnomalyReviewRow>('anomaly_reviews').where({ kind, simcard_id: simcardId }).first();
}

export async function remove(db: Queryable, kind: string, simcardId: number): Promise<number> {
  return db('anomaly_reviews').where({ kind, simcard_id: simcardId }).delete();
}

/** The reviews of these SIMs for one kind (a page of an anomaly list). */
export function forSimcards(db: Queryable, kind: string, simcardIds: number[]): Promise<AnomalyReviewRow[]> {
  if (simcardIds.length === 0) return Promise.resolve([]);
  return db<AnomalyReviewRow>('anomaly_reviews').where({ kind }).whereIn('simcard_id', simcardIds);
}

export function list(db: Queryable, kind: string | undefined, limit: number, offset: number): Promise<AnomalyReviewRow[]> {
  const qb = db<AnomalyReviewRow>('anomaly_reviews');
  if (kind !== undefined) qb.where({ kind });
  return qb.orderBy('id', 'desc').limit(limit).offset(offset);
}
