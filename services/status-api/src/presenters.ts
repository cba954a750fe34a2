/** What the status API answers: a SIM's stored status, a check's result, a run. */
import { type CheckResultView, type CheckRunView, presentCheckRun } from '@simcard/common';
import { type SimcardRow, toIso } from '@simcard/db';
import { z } from 'zod';
import type { RunView } from './services/check-runs.js';
import type { CheckResult } from './services/checker.js';

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });

export const SimcardStatusView = z
  .object({
    id: z.number().int(),
    iccid: z.string(),
    msisdn: z.string().nullable(),
    shop_id: z.number().int().nullable(),
    status: z.enum(['in_stock', 'assigned', 'sold', 'blocked']),
    provider_status: z.enum(['inactive', 'active', 'blocked', 'not_found']).nullable(),
    activated_at: timestamp.nullable(),
    sold_at: timestamp.nullable().meta({
      description:
        "The sale's date: the operator's activation date, or the check's time when it gave none usable (sale_date_note says why)",
    }),
    sale_detected_at: timestamp.nullable().meta({ description: 'When a check first saw the SIM sold' }),
    sale_date_note: z.string().nullable().meta({ description: "Why sold_at is not the operator's activation date; null when it is" }),
    last_checked_at: timestamp.nullable(),
    last_check_error: z.string().nullable(),
  })
  .meta({ id: 'SimcardStatus', description: 'A SIM card as the database has it (no operator call)' });

export function presentSimcardStatus(row: SimcardRow): z.infer<typeof SimcardStatusView> {
  return {
    id: row.id,
    iccid: row.iccid,
    msisdn: row.msisdn,
    shop_id: row.shop_id,
    status: row.status,
    provider_status: row.provider_status,
    activated_at: toIso(row.activated_at),
    sold_at: toIso(row.sold_at),
    sale_detected_at: toIso(row.sale_detected_at),
    sale_date_note: row.sale_date_note ?? null,
    last_checked_at: toIso(row.last_checked_at),
    last_check_error: row.last_check_error,
  };
}

export function presentCheck(result: CheckResult): CheckResultView {
  return result.ok
    ? {
        ok: true,
        provider_status: result.providerStatus,
        changed: result.changed,
        newly_sold: result.newlySold,
        response_ms: result.responseMs,
        error: null,
      }
    : {
        ok: false,
        provider_status: null,
        changed: false,
        newly_sold: false,
        response_ms: result.responseMs,
        error: { code: result.failure, message: result.message },
      };
}

export function presentRun(run: RunView): CheckRunView {
  return presentCheckRun(run, run.eta_seconds);
}
