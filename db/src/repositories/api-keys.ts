import type { Queryable } from '../connection.js';
import type { DbBoolean, DbTimestamp, Page, PageRequest } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';

export type ApiKeyRole = 'read' | 'admin';

export interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  key_hash: string;
  role: ApiKeyRole;
  created_by: number | null;
  created_at: DbTimestamp;
  last_used_at: DbTimestamp | null;
  revoked_at: DbTimestamp | null;
}

export type NewApiKey = Pick<ApiKeyRow, 'name' | 'prefix' | 'key_hash' | 'role' | 'created_by'>;

/** A key as authentication needs it, with its creator as the database has them now. */
export interface ApiKeyForAuth {
  id: number;
  name: string;
  role: ApiKeyRole;
  revoked: boolean;
  last_used_at: DbTimestamp | null;
  user_id: number | null;
  username: string | null;
  user_role: string | null;
  user_active: boolean;
}

export async function insert(db: Queryable, key: NewApiKey): Promise<ApiKeyRow> {
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({ ...key, created_at: now() })
    .returning('*');
  return row as ApiKeyRow;
}

export function findById(db: Queryable, id: number): Promise<ApiKeyRow | undefined> {
  return db<ApiKeyRow>('api_keys').where({ id }).first();
}

/** Newest first; revoked keys are listed too (with `revoked_at`) unless `activeOnly`. */
export async function list(db: Queryable, filter: { activeOnly?: boolean }, page: PageRequest): Promise<Page<ApiKeyRow>> {
  const qb = db<ApiKeyRow>('api_keys');
  if (filter.activeOnly) qb.whereNull('revoked_at');
  const [rows, total] = await Promise.all([qb.clone().orderBy('id', 'desc').limit(page.limit).offset(page.offset), countOf(qb.clone())]);
  return { rows, total };
}

/** Sets `revoked_at` once; answers the row as it is afterwards, or undefined when there is none. */
export async function revoke(db: Queryable, id: number): Promise<ApiKeyRow | undefined> {
  await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: now() });
  return findById(db, id);
}

/** Revokes every key `userId` created that is not revoked yet; answers those keys as they were. */
export async function revokeAllCreatedBy(db: Queryable, userId: number): Promise<ApiKeyRow[]> {
  const keys = (await db('api_keys').where({ created_by: userId }).whereNull('revoked_at').select('*')) as ApiKeyRow[];
  if (keys.length)
    await db('api_keys')
      .whereIn(
        'id',
        keys.map((k) => k.id),
      )
      .update({ revoked_at: now() });
  return keys;
}

/** One indexed lookup by hash, joined with the creating user: this runs on every keyed request. */
export async function findForAuth(db: Queryable, keyHash: string): Promise<ApiKeyForAuth | undefined> {
  const row = (await db('api_keys as k')
    .leftJoin('users as u', 'u.id', 'k.created_by')
    .where('k.key_hash', keyHash)
    .first(
      'k.id',
      'k.name',
      'k.role',
      'k.revoked_at',
      'k.last_used_at',
      'u.id as user_id',
      'u.username',
      'u.role as user_role',
      'u.is_active as user_active',
    )) as (Omit<ApiKeyForAuth, 'revoked' | 'user_active'> & { revoked_at: DbTimestamp | null; user_active: DbBoolean | null }) | undefined;
  if (!row) return undefined;
  const { revoked_at, user_active, ...rest } = row;
  return { ...rest, revoked: revoked_at !== null, user_active: Boolean(user_active) };
}

export async function touch(db: Queryable, id: number): Promise<void> {
  await db('api_keys').where({ id }).update({ last_used_at: now() });
}
