/**
 * Bulk moves of SIM cards between stock and shops, set-based: the SIMs a request names are read
 * (and on PostgreSQL locked) in chunks, then moved with one UPDATE and one INSERT … SELECT into
 * assignment_logs per chunk — never a statement per SIM.
 */
import type { Knex } from 'knex';
import { isSqlite, type Queryable } from '../connection.js';
import type { AssignmentAction, SimcardRow, SimcardStatus } from '../rows.js';
import type { SimcardPatch } from './simcards.js';

/** Ids per statement: far below SQLite's 32,766 bind variables and PostgreSQL's 65,535. */
export const CHUNK_SIZE = 2000;

/** What the lifecycle rules need to decide about a SIM. */
export type MoveCandidate = Pick<SimcardRow, 'id' | 'iccid' | 'status' | 'shop_id'>;

const CANDIDATE_COLUMNS = ['id', 'iccid', 'status', 'shop_id'] as const;

/**
 * On PostgreSQL the rows are locked until the transaction ends, so a concurrent request cannot
 * move them between our decision and our write. SQLite needs nothing: `writeTransaction`
 * already holds the database's single write lock.
 */
function locked(qb: Knex.QueryBuilder, db: Queryable, skipLocked = false): Knex.QueryBuilder {
  if (isSqlite(db)) return qb;
  qb.forUpdate();
  if (skipLocked) qb.skipLocked();
  return qb;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK_SIZE) out.push(items.slice(i, i + CHUNK_SIZE));
  return out;
}

/**
 * Locks and reads the SIMs with these ids, in ascending id order across all chunks: two
 * requests that overlap then lock in the same order and cannot deadlock on PostgreSQL
 * (ORDER BY puts the row locks above the sort).
 */
export async function lockByIds(db: Queryable, ids: readonly number[]): Promise<MoveCandidate[]> {
  const sorted = [...ids].sort((a, b) => a - b);
  const found: MoveCandidate[] = [];
  for (const chunk of chunks(sorted)) {
    found.push(...(await locked(db('simcards').select(CANDIDATE_COLUMNS).whereIn('id', chunk).orderBy('id'), db)));
  }
  return found;
}

/** The ids of SIMs with these ICCIDs (not locked: pass them to `lockByIds`). */
export async function idsOfIccids(db: Queryable, iccids: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const chunk of chunks(iccids)) ids.push(...(await db('simcards').whereIn('iccid', chunk).pluck('id')));
  return ids;
}

/**
 * The ids of SIMs with an ICCID from `from` to `to` inclusive, at most `limit` (not locked: pass
 * them to `lockByIds`). ICCIDs are compared as text, which is numeric order only between equal
 * lengths: both ends have the same length (the schema checks) and so must every match.
 */
export function idsInRange(db: Queryable, from: string, to: string, limit: number): Promise<number[]> {
  return db('simcards')
    .whereBetween('iccid', [from, to])
    .whereRaw('length(iccid) = ?', [from.length])
    .orderBy('iccid')
    .limit(limit)
    .pluck('id');
}

/**
 * The `count` oldest SIMs in stock (optionally of one operator). On PostgreSQL rows another
 * request has locked are skipped, so two concurrent requests take different SIMs instead of
 * the second one waiting and then finding fewer.
 */
export function oldestInStock(db: Queryable, count: number, operator: string | undefined): Promise<MoveCandidate[]> {
  const qb = db('simcards')
    .select(CANDIDATE_COLUMNS)
    .where('status', 'in_stock' satisfies SimcardStatus)
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(count);
  if (operator) qb.where('operator', operator);
  return locked(qb, db, true);
}

/** A bind parameter with the type PostgreSQL cannot infer inside a SELECT list; SQLite needs none. */
function typed(db: Queryable, pgType: string): string {
  return isSqlite(db) ? '?' : `?::${pgType}`;
}

export interface BulkMove {
  ids: readonly number[];
  /** The same for every SIM of the group (the lifecycle's patch for this action and target). */
  patch: Pick<SimcardPatch, 'shop_id' | 'status' | 'assigned_at'>;
  action: AssignmentAction;
  userId: number;
  at: string;
}

/**
 * Moves the SIMs: first the log rows (INSERT … SELECT, so `from_shop_id` is each SIM's shop
 * before the move), then the SIMs themselves. Call inside a transaction.
 */
export async function moveAll(db: Queryable, move: BulkMove): Promise<void> {
  const { patch, action, userId, at } = move;
  for (const chunk of chunks(move.ids)) {
    const ids = chunk.map(() => '?').join(', ');
    await db.raw(
      `INSERT INTO assignment_logs (simcard_id, iccid, from_shop_id, to_shop_id, action, user_id, created_at)
       SELECT id, iccid, shop_id, ${typed(db, 'integer')}, ${typed(db, 'text')}, ${typed(db, 'integer')}, ${typed(db, 'timestamptz')}
       FROM simcards WHERE id IN (${ids})`,
      [patch.shop_id ?? null, action, userId, at, ...chunk],
    );
    await db('simcards')
      .whereIn('id', chunk)
      .update({ ...patch, updated_at: at });
  }
}
