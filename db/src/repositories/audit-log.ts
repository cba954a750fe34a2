import type { Queryable } from '../connection.js';
import type { DbTimestamp, Page, PageRequest } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';

export interface AuditLogRow {
  id: number;
  at: DbTimestamp;
  actor_user_id: number | null;
  actor_api_key_id: number | null;
  actor_name: string;
  action: string;
  entity: string;
  entity_id: string | null;
  /** JSON text, or null (nothing before a create, nothing after a delete). */
  before: string | null;
  after: string | null;
  request_id: string | null;
}

export type NewAuditEntry = Omit<AuditLogRow, 'id' | 'at'>;

export interface AuditFilter {
  entity?: string;
  entityId?: string;
  action?: string;
  actorUserId?: number;
  actorApiKeyId?: number;
  /** ISO-8601, inclusive. */
  from?: string;
  /** ISO-8601, exclusive. */
  to?: string;
}

export async function insert(db: Queryable, entry: NewAuditEntry): Promise<void> {
  await db('audit_log').insert({ ...entry, at: now() });
}

/** Newest first (by id: the insertion order, which is also the time order). */
export async function list(db: Queryable, filter: AuditFilter, page: PageRequest): Promise<Page<AuditLogRow>> {
  const qb = db<AuditLogRow>('audit_log');
  if (filter.entity !== undefined) qb.where('entity', filter.entity);
  if (filter.entityId !== undefined) qb.where('entity_id', filter.entityId);
  if (filter.action !== undefined) qb.where('action', filter.action);
  if (filter.actorUserId !== undefined) qb.where('actor_user_id', filter.actorUserId);
  if (filter.actorApiKeyId !== undefined) qb.where('actor_api_key_id', filter.actorApiKeyId);
  if (filter.from !== undefined) qb.where('at', '>=', filter.from);
  if (filter.to !== undefined) qb.where('at', '<', filter.to);
  const [rows, total] = await Promise.all([qb.clone().orderBy('id', 'desc').limit(page.limit).offset(page.offset), countOf(qb.clone())]);
  return { rows, total };
}
