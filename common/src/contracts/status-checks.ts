/**
 * What the status API answers about checks and runs. The main API passes these answers on
 * (check-status, auto-check, /check-runs), so both services document them from this one
 * definition: the wire contract between them.
 */
import { z } from 'zod';
import { toIso } from '../time.js';

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

export const CheckRunOperatorView = z
  .object({
    operator: z.string().nullable().meta({ description: "The SIMs' operator; null for SIMs without one" }),
    total: z.number().int(),
    done: z.number().int(),
    changed: z.number().int(),
    errors: z.number().int(),
    skipped: z.number().int(),
    reason: z.string().nullable().meta({
      description:
        "Why SIMs were skipped: no_provider, or the operator's last failure (provider_timeout, circuit_open, …) when the run gave up on it",
    }),
    message: z.string().nullable(),
  })
  .meta({ id: 'CheckRunOperator' });

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
    skipped: z.number().int().meta({
      description: 'SIMs not checked: no provider for their operator, or an operator the run gave up on (by_operator says which and why)',
    }),
    operators: z.array(z.string()).nullable().meta({ description: 'The operators the run is limited to; null = all' }),
    by_operator: z.array(CheckRunOperatorView).meta({ description: "The run's figures per SIM operator" }),
    error_message: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
    eta_seconds: z.number().int().nullable().meta({ description: 'Seconds left at the current pace; null when not running' }),
  })
  .meta({ id: 'CheckRun' });

export const CheckScheduleView = z
  .object({
    name: z.string().meta({
      description: '`auto-check` (AUTO_CHECK_INTERVAL_MIN), or `auto-check:<operator>` for an operator with an interval of its own',
    }),
    operators: z.array(z.string()).nullable().meta({ description: 'The operators its runs check; null = every SIM' }),
    interval_min: z.number().meta({ description: 'Minutes between its runs' }),
    next_due_at: timestamp
      .nullable()
      .meta({ description: 'When its next run is due (ISO-8601 UTC); null before the first worker set it up' }),
  })
  .meta({ id: 'CheckSchedule' });

/** The stored fields of a run (a `check_runs` row), as both services read them. */
export interface StoredCheckRun {
  id: number;
  status: CheckRunView['status'];
  trigger: CheckRunView['trigger'];
  include_sold: boolean | number;
  total: number;
  done: number;
  changed: number;
  errors: number;
  /** Absent on rows read before migration 1801. */
  skipped?: number;
  /** A JSON array of slugs, or null. */
  operators?: string | null;
  by_operator?: CheckRunOperatorView[];
  error_message: string | null;
  started_at: string | Date;
  finished_at: string | Date | null;
}

/** A run as answered; `etaSeconds` only the process running it can know. */
export function presentCheckRun(run: StoredCheckRun, etaSeconds: number | null = null): CheckRunView {
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    include_sold: Boolean(run.include_sold),
    total: run.total,
    done: run.done,
    changed: run.changed,
    errors: run.errors,
    skipped: run.skipped ?? 0,
    operators: run.operators ? (JSON.parse(run.operators) as string[]) : null,
    by_operator: run.by_operator ?? [],
    error_message: run.error_message,
    started_at: toIso(run.started_at)!,
    finished_at: toIso(run.finished_at),
    eta_seconds: etaSeconds,
  };
}

export type CheckResultView = z.infer<typeof CheckResultView>;
export type CheckRunView = z.infer<typeof CheckRunView>;
export type CheckRunOperatorView = z.infer<typeof CheckRunOperatorView>;
export type CheckScheduleView = z.infer<typeof CheckScheduleView>;
