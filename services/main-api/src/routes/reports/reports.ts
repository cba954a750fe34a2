import type { ApiRouter } from '@simcard/common';
import { z } from 'zod';
import type { CheckReportsService } from '../../services/check-reports.js';

export const CheckReportQuery = z.strictObject({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(7)
    .meta({ description: "The dealer's calendar days (TIME_ZONE), today included; default 7, at most 90" }),
});

const figures = {
  runs: z.number().int(),
  successful: z.number().int().meta({ description: 'Completed' }),
  failed: z.number().int().meta({ description: 'Failed, or interrupted by a stopped process' }),
  cancelled: z.number().int(),
  running: z.number().int(),
  mean_duration_seconds: z.number().nullable().meta({ description: 'Over the finished runs' }),
  sims_checked: z.number().int(),
  changes_found: z.number().int(),
  errors: z.number().int(),
};

const calls = {
  made: z.number().int().meta({ description: 'Operator calls made (every SIM checked, changed or not)' }),
  answered: z.number().int(),
  changed: z.number().int().meta({ description: 'Answers that changed the SIM' }),
  failed: z.number().int(),
};

const CheckCalls = z
  .object({
    ...calls,
    per_day: z.array(z.object({ day: z.string(), ...calls })).meta({ description: 'Every day of the range, oldest first' }),
    by_operator: z
      .array(z.object({ operator: z.string().nullable(), ...calls }))
      .meta({ description: "Per the SIM's operator (null: unknown)" }),
    by_source: z
      .object({ runs: z.object(calls), manual: z.object(calls), bulk: z.object(calls) })
      .meta({ description: 'Check runs (scheduled or started by hand), single checks, bulk checks' }),
  })
  .meta({ id: 'CheckCalls', description: 'Every check counted, by runs and single checks alike (the check counters, not the log)' });

export const CheckReport = z
  .object({
    days: z.number().int(),
    since: z.string().meta({ description: "ISO-8601 UTC: the first day's midnight in the dealer's time zone" }),
    ...figures,
    per_day: z.array(z.object({ day: z.string(), ...figures })).meta({ description: 'Days with at least one run, oldest first' }),
    checks: CheckCalls,
  })
  .meta({ id: 'CheckReport' });

export function reportRoutes(api: ApiRouter, reports: CheckReportsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/reports/checks',
      tag: 'Statistics',
      summary: 'Auto-check runs over the last N days: how many, how they ended, how long, what they found',
      access: 'admin',
      query: CheckReportQuery,
      responses: { 200: { description: 'The report', schema: CheckReport } },
    },
    async (ctx, { query: { days } }) => {
      const r = await reports.report(days);
      const body: z.infer<typeof CheckReport> = {
        days,
        since: r.since.toISOString(),
        ...r.total,
        per_day: r.days,
        checks: { ...r.checks.total, per_day: r.checks.days, by_operator: r.checks.byOperator, by_source: r.checks.bySource },
      };
      ctx.body = body;
    },
  );
}
