import type { ApiRouter } from '@simcard/common';
import type { AssignmentsService, Selector } from '../../services/assignments.js';
import { AssignBody, AssignResult, UnassignBody, UnassignResult } from './assignments.schema.js';

/** The one selector a validated body holds (the schema checked there is exactly one). */
export function selectorOf(body: {
  simcard_ids?: number[];
  iccids?: string[];
  range?: { from: string; to: string };
  count?: number;
  operator?: string;
}): Selector {
  if (body.simcard_ids) return { simcard_ids: body.simcard_ids };
  if (body.iccids) return { iccids: body.iccids };
  if (body.range) return { range: body.range };
  return { count: body.count!, operator: body.operator };
}

/**
 * A request may name up to 100,000 SIMs (MAX_SELECTION): 100,000 ICCIDs of 20 digits are 2.3 MB
 * of JSON, more with the spaces and dashes the schema accepts; the general 1 MB JSON limit would
 * refuse a third of that. 4 MB leaves about 40 bytes per ICCID.
 */
export const ASSIGNMENT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

const selection =
  'Choose SIMs by exactly one of `simcard_ids`, `iccids`, `range` {from, to}' +
  ' (inclusive). Sold and blocked SIMs are never moved; each SIM left where it is is listed in `skipped` with the reason.' +
  ' The request is one transaction: all the moves happen or none; each is written to the assignment log.';

export function assignmentRoutes(api: ApiRouter, assignments: AssignmentsService): void {
  api.endpoint(
    {
      method: 'post',
      path: '/simcards/assign',
      tag: 'SIM cards',
      summary: 'Give SIM cards to a shop in bulk',
      description: `${selection} Or \`count\`: that many from stock, oldest first (optionally of one \`operator\`), all or nothing (409 insufficient_stock). A SIM at another shop is skipped unless \`allow_transfer\` is true.`,
      access: 'admin',
      body: AssignBody,
      bodyLimitBytes: ASSIGNMENT_BODY_LIMIT_BYTES,
      responses: {
        200: { description: 'How many SIMs were assigned, and which were skipped and why', schema: AssignResult },
        409: { description: 'insufficient_stock: fewer SIMs in stock than `count`' },
      },
    },
    async (ctx, { body, principal }) => {
      const report = await assignments.move(principal, {
        selector: selectorOf(body),
        toShopId: body.shop_id,
        allowTransfer: body.allow_transfer,
      });
      ctx.body = { assigned: report.moved, skipped: report.skipped };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/simcards/unassign',
      tag: 'SIM cards',
      summary: 'Return SIM cards from shops to stock in bulk',
      description: `${selection} With \`shop_id\`, only that shop's SIMs are returned.`,
      access: 'admin',
      body: UnassignBody,
      bodyLimitBytes: ASSIGNMENT_BODY_LIMIT_BYTES,
      responses: { 200: { description: 'How many SIMs were returned, and which were skipped and why', schema: UnassignResult } },
    },
    async (ctx, { body, principal }) => {
      const report = await assignments.move(principal, {
        selector: selectorOf(body),
        toShopId: null,
        allowTransfer: false,
        fromShopId: body.shop_id,
      });
      ctx.body = { unassigned: report.moved, skipped: report.skipped };
    },
  );
}
