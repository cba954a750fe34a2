/**
 * The audit log: every change made through the admin surface, written in the same transaction
 * as the change itself (a change that rolls back leaves no entry; an entry never describes a
 * change that did not happen).
 *
 *   await writeTransaction(db, async (trx) => {
 *     const before = await shopsRepository.findById(trx, id);
 *     const after = await shopsRepository.update(trx, id, patch);
 *     await recordAudit(trx, actor, { action: 'update', entity: 'shop', entityId: id, before, after });
 *   });
 */
import { logContext, type Principal } from '@simcard/common';
import { auditLogRepository, type AuditLogRow, type Page, type PageRequest, type Queryable } from '@simcard/db';

export interface AuditChange {
  /** `create`, `update`, `delete`, `revoke`, `reset_password`, `import`, `assign`, `unassign`, ... */
  action: string;
  /** `user`, `shop`, `simcard`, `api_key`, `import`, ... */
  entity: string;
  entityId?: number | string | null;
  before?: object | null | undefined;
  after?: object | null | undefined;
}

/** Never copied into the log, whatever the row holds. */
const SECRET_COLUMNS = new Set(['password_hash', 'key_hash', 'token_version']);

function snapshot(row: object | null | undefined): string | null {
  if (row === null || row === undefined) return null;
  const clean = Object.fromEntries(
    Object.entries(row)
      .filter(([k]) => !SECRET_COLUMNS.has(k))
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
  return JSON.stringify(clean);
}

/** Who an entry names: a user, an API key (acting for the admin who created it), or the command line. */
function actorFields(actor: Principal) {
  return {
    actor_user_id: actor.userId > 0 ? actor.userId : null,
    actor_api_key_id: actor.apiKey?.id ?? null,
    actor_name: actor.username.slice(0, 120),
  };
}

/** Writes one entry with `trx`: call it inside the transaction that makes the change. */
export async function recordAudit(trx: Queryable, actor: Principal, change: AuditChange): Promise<void> {
  const requestId = logContext().request_id;
  await auditLogRepository.insert(trx, {
    ...actorFields(actor),
    action: change.action,
    entity: change.entity,
    entity_id: change.entityId === undefined || change.entityId === null ? null : String(change.entityId),
    before: snapshot(change.before),
    after: snapshot(change.after),
    request_id: typeof requestId === 'string' ? requestId : null,
  });
}

/** The actor of changes made from the command line (`npm run cli`): no user, named `cli`. */
export function commandLineActor(): Principal {
  return { userId: 0, username: 'cli', role: 'admin', shopId: null, jti: 'cli', expiresAt: new Date('9999-12-31T23:59:59.000Z') };
}

export class AuditService {
  constructor(private readonly db: Queryable) {}

  list(filter: auditLogRepository.AuditFilter, page: PageRequest): Promise<Page<AuditLogRow>> {
    return auditLogRepository.list(this.db, filter, page);
  }
}
