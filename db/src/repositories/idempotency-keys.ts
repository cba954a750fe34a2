/** Stored first answers for `Idempotency-Key` requests (see migration 0302). */
import type { Queryable } from '../connection.js';
import { isUniqueViolation } from '../errors.js';
import type { DbTimestamp } from '../rows.js';
import { now } from '../time.js';

export interface IdempotencyKeyRow {
  id: number;
  user_id: number;
  route: string;
  key: string;
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
  created_at: DbTimestamp;
  completed_at: DbTimestamp | null;
}

export interface KeyScope {
  userId: number;
  route: string;
  key: string;
}

function scoped(db: Queryable, scope: KeyScope) {
  return db<IdempotencyKeyRow>('idempotency_keys').where({ user_id: scope.userId, route: scope.route, key: scope.key });
}

/** Claims the key for a new request; null when it is taken (the caller then reads the row). */
export async function claim(db: Queryable, scope: KeyScope, requestHash: string): Promise<number | null> {
  try {
    const [row] = await db('idempotency_keys')
      .insert({ user_id: scope.userId, route: scope.route, key: scope.key, request_hash: requestHash, created_at: now() })
      .returning('id');
    return Number(typeof row === 'object' ? (row as { id: number }).id : row);
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

export function find(db: Queryable, scope: KeyScope): Promise<IdempotencyKeyRow | undefined> {
  return scoped(db, scope).first();
}

/** Takes over a claim whose request never completed (its process died), if still unchanged. */
export async function reclaim(db: Queryable, id: number, staleBefore: string, requestHash: string): Promise<boolean> {
  const n = await db('idempotency_keys')
    .where({ id })
    .whereNull('completed_at')
    .where('created_at', '<', staleBefore)
    .update({ request_hash: requestHash, created_at: now() });
  return n === 1;
}

export async function complete(db: Queryable, id: number, status: number, body: string): Promise<void> {
  await db('idempotency_keys').where({ id }).update({ response_status: status, response_body: body, completed_at: now() });
}

/** Gives the key back (the request failed before it had an answer worth keeping). */
export async function release(db: Queryable, id: number): Promise<void> {
  await db('idempotency_keys').where({ id }).whereNull('completed_at').delete();
}

/** Forgets the answers completed before `before`; returns how many. */
export function purgeCompletedBefore(db: Queryable, before: string): Promise<number> {
  return db('idempotency_keys').where('completed_at', '<', before).delete();
}
