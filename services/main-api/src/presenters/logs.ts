import { type statusChangeLogsRepository, toIso } from '@simcard/db';
import { z } from 'zod';

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
    source: z.enum(['manual', 'bulk', 'auto', 'report']),
    run_id: z.number().int().nullable(),
    response_ms: z.number().int().nullable(),
    checked_at: z.string().meta({ description: 'ISO-8601 UTC' }),
  })
  .meta({ id: 'StatusChangeLog' });

export function presentStatusChangeLog(r: statusChangeLogsRepository.StatusChangeLogEntry): z.infer<typeof StatusChangeLog> {
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
