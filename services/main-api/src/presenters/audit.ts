import { type AuditLogRow, toIso } from '@simcard/db';
import type { z } from 'zod';
import type { AuditEntry } from '../routes/audit/audit.schema.js';

export function presentAuditEntry(row: AuditLogRow): z.infer<typeof AuditEntry> {
  return {
    id: row.id,
    at: toIso(row.at)!,
    actor: { user_id: row.actor_user_id, api_key_id: row.actor_api_key_id, name: row.actor_name },
    action: row.action,
    entity: row.entity,
    entity_id: row.entity_id,
    before: row.before === null ? null : (JSON.parse(row.before) as Record<string, unknown>),
    after: row.after === null ? null : (JSON.parse(row.after) as Record<string, unknown>),
    request_id: row.request_id,
  };
}
