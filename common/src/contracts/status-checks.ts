/**
 * What the status API answers about checks and runs. The main API passes these answers on
 * (check-status, auto-check, /check-runs), so both services document them from this one
 * definition: the wire contract between them.
 */
import { z } from 'zod';

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });

export const CheckResultView = z
  .object({
    ok: z.boolean(),
    provider_status: z.string().nullable(),
    changed: z.boolean(),
    newly_sold: z.boolean(),
    response_ms: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'CheckResult' });

export const CheckRunView = z
  .object({
    id: z.number().int(),
    status: z.enum(['running', 'completed', 'cancelled', 'failed', 'interrupted']),
    trigger: z.enum(['manual', 'scheduled']),
    include_sold: z.boolean(),
    total: z.number().int(),
    done: z.number().int(),
    changed: z.number().int(),
    errors: z.number().int(),
    error_message: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
    eta_seconds: z.number().int().nullable().meta({ description: 'Seconds left at the current pace; null when not running' }),
  })
  .meta({ id: 'CheckRun' });

export type CheckResultView = z.infer<typeof CheckResultView>;
export type CheckRunView = z.infer<typeof CheckRunView>;
