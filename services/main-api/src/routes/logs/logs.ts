import type { ApiRouter } from '@simcard/common';
import { presentPage } from '../../presenters/core.js';
import { presentStatusChangeLog, StatusChangeLog } from '../../presenters/logs.js';
import { listOf } from '../../schemas.js';
import type { StatusChangeLogsService } from '../../services/status-change-logs.js';
import { StatusChangeLogQuery } from './logs.schema.js';

export function logRoutes(api: ApiRouter, logs: StatusChangeLogsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/logs/status-changes',
      tag: 'Statistics',
      summary: 'Status checks and changes, newest first (staff: SIMs their shop holds)',
      access: 'user',
      query: StatusChangeLogQuery,
      responses: { 200: { description: 'A page of log entries', schema: listOf(StatusChangeLog, 'StatusChangeLogList') } },
    },
    async (ctx, { query, principal }) => {
      const { limit, offset } = query;
      const page = await logs.search(
        principal,
        {
          shopId: query.shop_id,
          simcardId: query.simcard_id,
          iccid: query.iccid,
          status: query.status,
          source: query.source,
          runId: query.run_id,
          errorsOnly: query.errors_only,
          from: query.from,
          to: query.to,
        },
        { limit, offset },
      );
      ctx.body = presentPage(page, { limit, offset }, presentStatusChangeLog);
    },
  );
}
