import { isSqlite, type Queryable, queryRows } from '../connection.js';
import type { DbBoolean, Page, PageRequest, Role, SortRequest, UserRow } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';

export type UserSortColumn = 'id' | 'username' | 'role' | 'created_at' | 'last_login_at';

export interface UserFilter {
  role?: Role;
  shopId?: number;
  isActive?: boolean;
  q?: string;
}

export type NewUser = Pick<UserRow, 'username' | 'password_hash' | 'role' | 'shop_id' | 'full_name' | 'is_active'>;
export type UserPatch = Partial<NewUser> & { token_version?: number };

export function findById(db: Queryable, id: number): Promise<UserRow | undefined> {
  return db<UserRow>('users').where({ id }).first();
}

export function findByUsername(db: Queryable, username: string): Promise<UserRow | undefined> {
  return db<UserRow>('users').where({ username }).first();
}

/** The token's user and whether its jti was revoked (jti, then user id). */
const FIND_FOR_TOKEN =
  'select id, username, role, shop_id, is_active, token_version, exists (select 1 from revoked_tokens where jti = ?) as revoked from users where id = ? limit 1';

/**
 * What authenticating a request needs, in one query: the user and whether this token's jti
 * was revoked by a logout. Read on every request, never cached (a sign-out or deactivation holds
 * at once): a prepared statement run straight on the pool (queryRows).
 */
export async function findForToken(
  db: Queryable,
  id: number,
  jti: string,
): Promise<(Pick<UserRow, 'id' | 'username' | 'role' | 'shop_id' | 'is_active' | 'token_version'> & { revoked: boolean }) | undefined> {
  const [row] = await queryRows<UserRow & { revoked: DbBoolean }>(db, FIND_FOR_TOKEN, [jti, id]);
  return row && { ...row, revoked: Boolean(row.revoked) };
}

/**
 * The users behind many tokens, and which of the tokens' jtis were revoked (an event stream's
 * recheck: one round of queries for every open stream).
 */
export async function findForTokens(
  db: Queryable,
  ids: number[],
  jtis: string[],
): Promise<{
  users: Map<number, Pick<UserRow, 'id' | 'username' | 'role' | 'shop_id' | 'is_active' | 'token_version'>>;
  revoked: Set<string>;
}> {
  const users = new Map<number, Pick<UserRow, 'id' | 'username' | 'role' | 'shop_id' | 'is_active' | 'token_version'>>();
  const revoked = new Set<string>();
  // In chunks: SQLite binds at most 32,766 variables per statement, and lists this long are rare.
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const rows = (await db('users')
      .whereIn('id', ids.slice(i, i + IN_CHUNK))
      .select('id', 'username', 'role', 'shop_id', 'is_active', 'token_version')) as UserRow[];
    for (const row of rows) users.set(row.id, row);
  }
  for (let i = 0; i < jtis.length; i += IN_CHUNK) {
    const rows = (await db('revoked_tokens')
      .whereIn('jti', jtis.slice(i, i + IN_CHUNK))
      .select('jti')) as Array<{ jti: string }>;
    for (const row of rows) revoked.add(row.jti);
  }
  return { users, revoked };
}

const IN_CHUNK = 5000;

export async function list(
  db: Queryable,
  filter: UserFilter,
  page: PageRequest,
  sort: SortRequest<UserSortColumn>,
): Promise<Page<UserRow>> {
  const qb = db<UserRow>('users');
  if (filter.role) qb.where('role', filter.role);
  if (filter.shopId !== undefined) qb.where('shop_id', filter.shopId);
  if (filter.isActive !== undefined) qb.where('is_active', filter.isActive);
  if (filter.q) {
    const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    qb.where((w) => w.whereRaw(`username like ? escape '\\'`, [like]).orWhereRaw(`lower(full_name) like ? escape '\\'`, [like]));
  }
  const [rows, total] = await Promise.all([
    qb.clone().orderBy(sort.column, sort.direction).orderBy('id', sort.direction).limit(page.limit).offset(page.offset),
    countOf(qb.clone()),
  ]);
  return { rows, total };
}

export async function insert(db: Queryable, user: NewUser): Promise<UserRow> {
  const at = now();
  const [row] = await db<UserRow>('users')
    .insert({ ...user, created_at: at, updated_at: at })
    .returning('*');
  return row as UserRow;
}

export async function update(db: Queryable, id: number, patch: UserPatch): Promise<UserRow | undefined> {
  const [row] = await db<UserRow>('users')
    .where({ id })
    .update({ ...patch, updated_at: now() })
    .returning('*');
  return row as UserRow | undefined;
}

export function recordLogin(db: Queryable, id: number): Promise<number> {
  return db('users').where({ id }).update({ last_login_at: now() });
}

export function remove(db: Queryable, id: number): Promise<number> {
  return db('users').where({ id }).delete();
}

/**
 * Inside a transaction on PostgreSQL this locks the active admins' rows until it ends: two
 * transactions demoting different admins at once would otherwise each still count the other
 * and leave no active admin. (SQLite write transactions are serialized already.)
 */
export async function countActiveAdmins(db: Queryable): Promise<number> {
  const qb = db('users').where({ role: 'admin', is_active: true });
  if (isSqlite(db)) return countOf(qb);
  return (await qb.select('id').forUpdate()).length;
}

export async function anyAdminExists(db: Queryable): Promise<boolean> {
  return (await db('users').where({ role: 'admin' }).first('id')) !== undefined;
}
