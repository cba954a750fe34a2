import type { ApiRouter } from '@simcard/common';
import { toIso, type statusChangeLogsRepository } from '@simcard/db';
import { z } from 'zod';
import { presentPage } from '../../presenters.js';
import { listOf } from '../../schemas.js';
import type { StatusChangeLogsService } from '../../services/status-change-logs.js';
import { StatusChangeLogQuery } from './logs.schema.js';

export const StatusChangeLog = z
  .object({
    id: z.number().int(),
    simcard_id: z.number().int().nullable(),
    shop_id: z.number().int().nullable().meta({ description: 'The shop holding the SIM now' }),
    iccid: z.string(),
    previous_status: z.string().nullable(),
    new_status: z.string().nullable(),
    changed: z.boolean(),
    error_message: z.string().nullable(),
    source: z.enum(['manual', 'bulk', 'auto']),
    run_id: z.number().int().nullable(),
    response_ms: z.number().int().nullable(),
    checked_at: z.string().meta({ description: 'ISO-8601 UTC' }),
  })
  .meta({ id: 'StatusChangeLog' });

function presentStatusChangeLog(r: statusChangeLogsRepository.StatusChangeLogEntry): z.infer<typeof StatusChangeLog> {
  return {
    id: r.id,
    simcard_id: r.simcard_id,
    shop_id: r.shop_id === null ? null : Number(r.shop_id),
    iccid: r.iccid,
    previous_status: r.previous_status,
    new_status: r.new_status,
    changed: Boolean(r.changed),
    error_message: r.error_message,
    source: r.source,
    run_id: r.run_id,
    response_ms: r.response_ms,
    checked_at: toIso(r.checked_at)!,
  };
}

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
