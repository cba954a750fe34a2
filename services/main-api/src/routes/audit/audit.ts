import type { ApiRouter } from '@simcard/common';
import { presentAuditEntry } from '../../presenters/audit.js';
import { presentPage } from '../../presenters/core.js';
import { listOf } from '../../schemas.js';
import type { AuditService } from '../../services/audit.js';
import { AuditEntry, AuditListQuery } from './audit.schema.js';

export function auditRoutes(api: ApiRouter, audit: AuditService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/audit',
      tag: 'Audit',
      summary: 'Changes made by admins, API keys and the command line, newest first',
      access: 'admin',
      query: AuditListQuery,
      responses: { 200: { description: 'A page of audit entries', schema: listOf(AuditEntry, 'AuditList') } },
    },
    async (ctx, { query: { limit, offset, entity, entity_id, action, actor_user_id, actor_api_key_id, from, to } }) => {
      const page = await audit.list(
        { entity, entityId: entity_id, action, actorUserId: actor_user_id, actorApiKeyId: actor_api_key_id, from, to },
        { limit, offset },
      );
      ctx.body = presentPage(page, { limit, offset }, presentAuditEntry);
    },
  );
}
