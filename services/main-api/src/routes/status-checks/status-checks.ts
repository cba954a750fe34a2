import { type ApiRouter, CheckRunView } from '@simcard/common';
import { presentSimcard } from '../../presenters/core.js';
import { IdParams } from '../../schemas.js';
import type { StatusChecksService } from '../../services/status-checks.js';
import { AutoCheckBody, CheckRunList, CheckRunListQuery, CheckStatusResponse, RunOperators } from './status-checks.schema.js';

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
        422: {
          description: "no_provider: no provider is configured for the SIM's operator (details[0].params.operator); nothing was asked",
        },
        502: { description: 'The operator failed or answered badly; the SIM is unchanged' },
        503: {
          description:
            'The status service is down (status_api_unavailable), or the operator was not asked (circuit_open, provider_rate_limited); retry after Retry-After',
        },
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
        400: { description: 'unknown_operator: an operator in `operators` has no provider (details name it)' },
        409: { description: 'A run is already running; the details hold it' },
        503: { description: 'The status service is down' },
      },
    },
    async (ctx, { body }) => {
      ctx.status = 202;
      ctx.body = await checks.startRun(body.include_sold, body.operators);
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

  // Before /check-runs/{id}, which would take "operators" for an id.
  api.endpoint(
    {
      method: 'get',
      path: '/check-runs/operators',
      tag: 'Check runs',
      summary: 'The operators a run can be limited to (`operators` of POST /simcards/auto-check), and the scheduled auto-checks',
      access: 'admin',
      responses: {
        200: { description: 'The configured operators', schema: RunOperators },
        503: { description: 'The status service is down' },
      },
    },
    async (ctx) => {
      ctx.body = await checks.runOperators();
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
      responses: {
        200: { description: 'The run', schema: CheckRunView },
        404: { description: 'No such run' },
        503: { description: 'The status service is down' },
      },
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
        summary:
          action === 'cancel'
            ? 'Stop a running run; what it checked stays checked'
            : 'Resume a run interrupted by a stop or a crash, where it stopped',
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
