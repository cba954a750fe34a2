import { z } from 'zod';
import { Simcard } from '../../presenters.js';
import { listOf, pageQuery } from '../../schemas.js';

export const CheckResult = z
  .object({
    ok: z.boolean(),
    provider_status: z.string().nullable(),
    changed: z.boolean(),
    newly_sold: z.boolean(),
    response_ms: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'StatusCheck' });

export const CheckStatusResponse = z.object({ simcard: Simcard, check: CheckResult }).meta({ id: 'CheckStatusResponse' });

export const AutoCheckBody = z
  .strictObject({
    include_sold: z.boolean().default(false).meta({ description: 'Also check sold and blocked SIMs' }),
  })
  .meta({ id: 'AutoCheckRequest' });

export const CheckRun = z
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
    started_at: z.string(),
    finished_at: z.string().nullable(),
    eta_seconds: z.number().int().nullable(),
  })
  .meta({ id: 'CheckRun', description: 'A run of the status API (see its GET /check-runs/{id})' });

export const CheckRunList = listOf(CheckRun, 'CheckRunList');

export const CheckRunListQuery = z.strictObject(pageQuery);
