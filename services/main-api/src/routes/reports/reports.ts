import type { ApiRouter } from '@simcard/common';
import { z } from 'zod';
import type { CheckReportsService } from '../../services/check-reports.js';

export const CheckReportQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(7).meta({ description: 'Calendar days (UTC), today included; default 7, at most 90' }),
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

export const CheckReport = z
  .object({
    days: z.number().int(),
    since: z.string().meta({ description: 'ISO-8601 UTC: midnight of the first day' }),
    ...figures,
    per_day: z.array(z.object({ day: z.string(), ...figures })).meta({ description: 'Days with at least one run, oldest first' }),
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
      const body: z.infer<typeof CheckReport> = { days, since: r.since.toISOString(), ...r.total, per_day: r.days };
      ctx.body = body;
    },
  );
}
