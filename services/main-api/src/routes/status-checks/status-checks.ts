import { CheckRunView, type ApiRouter } from '@simcard/common';
import { presentSimcard } from '../../presenters.js';
import { IdParams } from '../../schemas.js';
import type { StatusChecksService } from '../../services/status-checks.js';
import { AutoCheckBody, CheckRunList, CheckRunListQuery, CheckStatusResponse } from './status-checks.schema.js';

/** The seed's status endpoints, kept at their paths: they ask the status API. */
export function statusCheckRoutes(api: ApiRouter, checks: StatusChecksService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/simcards/{id}/check-status',
      tag: 'SIM cards',
      summary: 'Ask the operator about this SIM now (through the status API)',
      access: 'user',
      params: IdParams,
      responses: {
        200: { description: 'The SIM after the check, and the check', schema: CheckStatusResponse },
        502: { description: 'The operator failed or answered badly; the SIM is unchanged' },
        503: { description: 'The status service is down' },
        504: { description: 'The operator did not answer in time; the SIM is unchanged' },
      },
    },
    async (ctx, { params, principal }) => {
      const { simcard, check } = await checks.checkNow(principal, params.id);
      ctx.body = { simcard: presentSimcard(simcard), check };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/simcards/auto-check',
      tag: 'SIM cards',
      summary: 'Start an auto-check run of every SIM that can still change',
      access: 'admin',
      body: AutoCheckBody,
      responses: {
        202: { description: 'Started', schema: CheckRunView },
        409: { description: 'A run is already running; the details hold it' },
        503: { description: 'The status service is down' },
      },
    },
    async (ctx, { body }) => {
      ctx.status = 202;
      ctx.body = await checks.startRun(body.include_sold);
    },
  );

  // The status API's runs, here too, so that the web app needs one origin and one token.
  api.endpoint(
    {
      method: 'get',
      path: '/check-runs',
      tag: 'Check runs',
      summary: 'Auto-check runs, newest first',
      access: 'admin',
      query: CheckRunListQuery,
      responses: { 200: { description: 'A page of runs', schema: CheckRunList }, 503: { description: 'The status service is down' } },
    },
    async (ctx, { query }) => {
      ctx.body = await checks.listRuns(query.limit, query.offset);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/check-runs/{id}',
      tag: 'Check runs',
      summary: "A run's progress",
      access: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The run', schema: CheckRunView }, 404: { description: 'No such run' }, 503: { description: 'The status service is down' } },
    },
    async (ctx, { params }) => {
      ctx.body = await checks.getRun(params.id);
    },
  );

  for (const action of ['cancel', 'resume'] as const) {
    api.endpoint(
      {
        method: 'post',
        path: `/check-runs/{id}/${action}`,
        tag: 'Check runs',
        summary: action === 'cancel' ? 'Stop a running run; what it checked stays checked' : 'Resume a run interrupted by a stop or a crash, where it stopped',
        access: 'admin',
        params: IdParams,
        responses: {
          [action === 'cancel' ? 200 : 202]: { description: 'The run', schema: CheckRunView },
          404: { description: 'No such run' },
          409: { description: 'The run is not in a state that allows this' },
          503: { description: 'The status service is down' },
        },
      },
      async (ctx, { params }) => {
        const run = await checks.runAction(params.id, action);
        ctx.status = action === 'cancel' ? 200 : 202;
        ctx.body = run;
      },
    );
  }
}
