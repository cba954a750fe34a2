/** Commission rules and shop shares (admins): versioned, audited. */
import type { ApiRouter } from '@simcard/common';
import { z } from 'zod';
import { presentRule, presentShare } from '../../presenters/commission-rules.js';
import { IdParams } from '../../schemas.js';
import type { CommissionsService } from '../../services/commissions.js';
import {
  CommissionRule,
  CommissionShare,
  RecomputeBody,
  RecomputeResult,
  RuleBody,
  RuleListQuery,
  RulePatch,
  ShareBody,
  ShareListQuery,
} from './commission-rules.schema.js';

const VERSIONING =
  'Rules are never edited in place: a change makes a new version (same series_id, version + 1) and the old one stops pricing new sales. ' +
  'Sales already recorded keep the commission they were given; POST /commission-rules/recompute reprices a period (audited).';

export function commissionRuleRoutes(api: ApiRouter, commissions: CommissionsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/commission-rules',
      tag: 'Money',
      summary: "Commission rules: per operator (optionally per tariff), so'm per activation, with a validity period",
      description: `A sale is priced by the active rule of its operator in force on its activation day (dealer's time zone): a tariff's own rule before the operator-wide one, then the one starting latest. ${VERSIONING}`,
      access: 'admin',
      query: RuleListQuery,
      responses: { 200: { description: 'The rules', schema: z.object({ data: z.array(CommissionRule) }) } },
    },
    async (ctx, { query }) => {
      const rows = await commissions.listRules({
        ...(query.operator ? { operator: query.operator } : {}),
        includeInactive: query.include_inactive ?? false,
      });
      ctx.body = { data: rows.map((r) => presentRule(r)) };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/commission-rules/recompute',
      tag: 'Money',
      summary: 'Reprice the sales activated in a period under the rules now in force (audited)',
      access: 'admin',
      body: RecomputeBody,
      responses: { 200: { description: "The period's totals before and after", schema: RecomputeResult } },
    },
    async (ctx, { body, principal }) => {
      ctx.body = await commissions.recompute(principal, body.from, body.to);
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/commission-rules',
      tag: 'Money',
      summary: 'Add a commission rule (audited)',
      access: 'admin',
      body: RuleBody,
      responses: { 201: { description: 'The rule', schema: CommissionRule } },
    },
    async (ctx, { body, principal }) => {
      ctx.status = 201;
      ctx.body = presentRule(
        await commissions.createRule(principal, {
          ...body,
          tariff: body.tariff ?? null,
          valid_to: body.valid_to ?? null,
          note: body.note ?? null,
        }),
      );
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/commission-rules/{id}',
      tag: 'Money',
      summary: 'One rule version, with how many sales it priced',
      access: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The rule', schema: CommissionRule } },
    },
    async (ctx, { params }) => {
      ctx.body = presentRule(await commissions.getRule(params.id));
    },
  );

  api.endpoint(
    {
      method: 'put',
      path: '/commission-rules/{id}',
      tag: 'Money',
      summary: 'Change a rule: answers its new version (audited)',
      description: VERSIONING,
      access: 'admin',
      params: IdParams,
      body: RulePatch,
      responses: { 200: { description: 'The new version', schema: CommissionRule } },
    },
    async (ctx, { params, body, principal }) => {
      ctx.body = presentRule(await commissions.changeRule(principal, params.id, body));
    },
  );

  api.endpoint(
    {
      method: 'delete',
      path: '/commission-rules/{id}',
      tag: 'Money',
      summary: 'Retire a rule: it prices no new sale; past sales keep their commission (audited)',
      access: 'admin',
      params: IdParams,
      responses: { 204: { description: 'Retired' } },
    },
    async (ctx, { params, principal }) => {
      await commissions.retireRule(principal, params.id);
      ctx.status = 204;
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/commission-shares',
      tag: 'Money',
      summary: "The shops' shares of the commission: the dealer-wide default (shop_id null) and per-shop overrides",
      access: 'admin',
      query: ShareListQuery,
      responses: { 200: { description: 'The settings', schema: z.object({ data: z.array(CommissionShare) }) } },
    },
    async (ctx, { query }) => {
      ctx.body = { data: (await commissions.listShares(query.include_inactive ?? false)).map(presentShare) };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/commission-shares',
      tag: 'Money',
      summary: "Set the dealer-wide or a shop's share from a day on: a percentage of the commission or a fixed amount (audited)",
      description:
        "A sale is given the shop's own setting in force on its activation day, else the dealer-wide one; the share is kept with the sale like its commission.",
      access: 'admin',
      body: ShareBody,
      responses: { 201: { description: 'The setting', schema: CommissionShare } },
    },
    async (ctx, { body, principal }) => {
      ctx.status = 201;
      ctx.body = presentShare(await commissions.setShare(principal, body));
    },
  );

  api.endpoint(
    {
      method: 'delete',
      path: '/commission-shares/{id}',
      tag: 'Money',
      summary: 'Retire a share setting (audited)',
      access: 'admin',
      params: IdParams,
      responses: { 204: { description: 'Retired' } },
    },
    async (ctx, { params, principal }) => {
      await commissions.retireShare(principal, params.id);
      ctx.status = 204;
    },
  );
}
