import type { ApiRouter } from '@simcard/common';
import { presentCheck, presentSimcardStatus, SimcardStatusView } from '../../presenters.js';
import type { LiveChecks } from '../../services/live-checks.js';
import { CheckManyBody, CheckManyResponse, CheckOneResponse, IccidParams } from './checks.schema.js';

export function checkRoutes(api: ApiRouter, checks: LiveChecks): void {
  api.endpoint(
    {
      method: 'get',
      path: '/simcards/{iccid}/status',
      tag: 'Checks',
      summary: 'Ask the operator about one SIM now, and apply the answer',
      access: 'user',
      params: IccidParams,
      responses: {
        200: { description: 'The SIM after the check, and the check', schema: CheckOneResponse },
        502: { description: 'The operator failed or answered badly; the SIM is unchanged' },
        503: {
          description:
            'The operator was not asked (circuit_open: its checks are paused after repeated failures; provider_rate_limited); retry after Retry-After',
        },
        504: { description: 'The operator did not answer in time; the SIM is unchanged' },
        422: {
          description: "no_provider: no provider is configured for the SIM's operator (details[0].params.operator); nothing was asked",
        },
      },
    },
    async (ctx, { params, principal }) => {
      const result = await checks.checkOne(principal, params.iccid);
      ctx.body = { simcard: presentSimcardStatus(result.simcard), check: presentCheck(result) };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/simcards/status',
      tag: 'Checks',
      summary: 'Ask the operator about many SIMs now (bounded concurrency)',
      description: "Each ICCID gets its own result; an unknown ICCID (or another shop's, for staff) gets error not_found.",
      access: 'user',
      body: CheckManyBody,
      responses: { 200: { description: 'One result per distinct ICCID', schema: CheckManyResponse } },
    },
    async (ctx, { body, principal }) => {
      const outcomes = await checks.checkMany(principal, body.iccids);
      const results = outcomes.map(({ iccid, result }) =>
        result
          ? { iccid, simcard: presentSimcardStatus(result.simcard), check: presentCheck(result), error: null }
          : { iccid, simcard: null, check: null, error: { code: 'not_found', message: 'SIM card not found' } },
      );
      ctx.body = {
        results,
        checked: outcomes.filter((o) => o.result).length,
        changed: outcomes.filter((o) => o.result?.ok && o.result.changed).length,
        failed: outcomes.filter((o) => !o.result || !o.result.ok).length,
      };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/simcards/{iccid}',
      tag: 'Checks',
      summary: 'The stored status of one SIM, without asking the operator',
      access: 'user',
      params: IccidParams,
      responses: { 200: { description: 'The SIM card', schema: SimcardStatusView } },
    },
    async (ctx, { params, principal }) => {
      ctx.body = presentSimcardStatus(await checks.stored(principal, params.iccid));
    },
  );
}
