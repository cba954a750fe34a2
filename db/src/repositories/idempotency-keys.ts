/** Stored first answers for `Idempotency-Key` requests (migration 0302; owner and lease: 1101). */
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
  /** Who holds an unfinished claim: `<boot id>:<pid>:<instance>:<nonce>`; null on rows of older versions. */
  owner: string | null;
  lease_expires_at: DbTimestamp | null;
}

/** The holder of a claim and until when it holds it (renewed while the request runs). */
export interface ClaimOwner {
  owner: string;
  leaseExpiresAt: string;
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
export async function claim(db: Queryable, scope: KeyScope, requestHash: string, holder: ClaimOwner): Promise<number | null> {
  try {
    const [row] = await db('idempotency_keys')
      .insert({
        user_id: scope.userId,
        route: scope.route,
        key: scope.key,
        request_hash: requestHash,
        created_at: now(),
        owner: holder.owner,
        lease_expires_at: holder.leaseExpiresAt,
      })
      .returning('id');
    return Number(typeof row === 'object' ? (row as { id: number }).id : row);
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

/**
 * Claims the key and stores its answer in one statement (a claim taken in the work's own
 * transaction); false when the key is taken. PostgreSQL: a failed statement ends the
 * transaction, so the caller must roll it back (it does: the work is then not kept).
 */
export async function insertCompleted(db: Queryable, scope: KeyScope, requestHash: string, status: number, body: string): Promise<boolean> {
  const at = now();
  try {
    await db('idempotency_keys').insert({
      user_id: scope.userId,
      route: scope.route,
      key: scope.key,
      request_hash: requestHash,
      created_at: at,
      response_status: status,
      response_body: body,
      completed_at: at,
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export function find(db: Queryable, scope: KeyScope): Promise<IdempotencyKeyRow | undefined> {
  return scoped(db, scope).first();
}

/**
 * Takes over a claim whose request never completed (its owner died), if nobody else took it in
 * between: the row must still have the owner that was judged dead (`previousOwner`; null for a
 * row of an older version, which must then also be older than `legacyStaleBefore`).
 */
export async function reclaim(
  db: Queryable,
  id: number,
  previousOwner: string | null,
  legacyStaleBefore: string,
  requestHash: string,
  holder: ClaimOwner,
): Promise<boolean> {
  const q = db('idempotency_keys').where({ id }).whereNull('completed_at');
  if (previousOwner === null) q.whereNull('owner').where('created_at', '<', legacyStaleBefore);
  else q.where({ owner: previousOwner });
  const n = await q.update({ request_hash: requestHash, created_at: now(), owner: holder.owner, lease_expires_at: holder.leaseExpiresAt });
  return n === 1;
}

/** Extends a running request's lease (only while it still owns the claim). */
export async function renewLease(db: Queryable, id: number, owner: string, leaseExpiresAt: string): Promise<void> {
  await db('idempotency_keys').where({ id, owner }).whereNull('completed_at').update({ lease_expires_at: leaseExpiresAt });
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
