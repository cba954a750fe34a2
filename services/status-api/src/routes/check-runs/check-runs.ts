import type { ApiRouter } from '@simcard/common';
import { CheckRunView, CheckScheduleView } from '@simcard/common';
import { z } from 'zod';
import { presentRun } from '../../presenters.js';
import type { CheckRuns } from '../../services/check-runs.js';
import { RunIdParams, RunListQuery, StartRunBody } from './check-runs.schema.js';

export function checkRunRoutes(api: ApiRouter, runs: CheckRuns): void {
  api.endpoint(
    {
      method: 'post',
      path: '/check-runs',
      tag: 'Check runs',
      summary: 'Start an auto-check run in the background',
      access: 'admin',
      body: StartRunBody,
      responses: {
        202: { description: 'Started; poll GET /check-runs/{id}', schema: CheckRunView },
        400: { description: 'unknown_operator: an operator in `operators` has no provider (details name it)' },
        409: { description: 'A run is already running; the details hold it' },
      },
    },
    async (ctx, { body, principal }) => {
      const run = await runs.start({
        trigger: 'manual',
        includeSold: body.include_sold,
        userId: principal.userId || null,
        operators: body.operators,
      });
      ctx.status = 202;
      ctx.body = presentRun(run);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/check-runs',
      tag: 'Check runs',
      summary: 'Past and current runs, newest first',
      access: 'admin',
      query: RunListQuery,
      responses: {
        200: {
          description: 'A page of runs',
          schema: z
            .object({ data: z.array(CheckRunView), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
            .meta({ id: 'CheckRunList' }),
        },
      },
    },
    async (ctx, { query }) => {
      const page = await runs.list(query);
      ctx.body = { data: page.rows.map(presentRun), total: page.total, limit: query.limit, offset: query.offset };
    },
  );

  // Before /check-runs/{id}, which would take "schedules" for an id.
  api.endpoint(
    {
      method: 'get',
      path: '/check-runs/schedules',
      tag: 'Check runs',
      summary:
        'The scheduled auto-checks (AUTO_CHECK_INTERVAL_MIN, and each operator with an interval of its own) and when each is next due',
      access: 'admin',
      responses: {
        200: {
          description: 'The schedules; none when nothing is scheduled',
          schema: z.object({ data: z.array(CheckScheduleView) }).meta({ id: 'CheckScheduleList' }),
        },
      },
    },
    async (ctx) => {
      ctx.body = { data: await runs.schedules() };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/check-runs/{id}',
      tag: 'Check runs',
      summary: 'One run, with live progress and an ETA while it runs',
      access: 'admin',
      params: RunIdParams,
      responses: { 200: { description: 'The run', schema: CheckRunView } },
    },
    async (ctx, { params }) => {
      ctx.body = presentRun(await runs.get(params.id));
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/check-runs/{id}/cancel',
      tag: 'Check runs',
      summary: 'Cancel a running run',
      access: 'admin',
      params: RunIdParams,
      responses: { 200: { description: 'The cancelled run', schema: CheckRunView }, 409: { description: 'The run is not running' } },
    },
    async (ctx, { params }) => {
      ctx.body = presentRun(await runs.cancel(params.id));
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/check-runs/{id}/resume',
      tag: 'Check runs',
      summary: 'Resume a run interrupted by a stop or a crash',
      access: 'admin',
      params: RunIdParams,
      responses: {
        202: { description: 'Resumed', schema: CheckRunView },
        409: { description: 'Not interrupted, or another run is running' },
      },
    },
    async (ctx, { params }) => {
      ctx.status = 202;
      ctx.body = presentRun(await runs.resume(params.id));
    },
  );
}
