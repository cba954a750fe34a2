import type { ApiRouter } from '@simcard/common';
import { presentPage } from '../../presenters/core.js';
import { presentHandover, presentSummary } from '../../presenters/handovers.js';
import { IdParams, listOf } from '../../schemas.js';
import type { HandoverRequest, HandoversService } from '../../services/handovers.js';
import { ASSIGNMENT_BODY_LIMIT_BYTES, selectorOf } from '../assignments/assignments.js';
import {
  CreatedHandover,
  CreateHandoverBody,
  Handover,
  HandoverListQuery,
  HandoverPreview,
  HandoverPreviewBody,
  HandoverSummary,
  ReceiptBody,
} from './handovers.schema.js';

type Body = Parameters<typeof selectorOf>[0] & { shop_id: number; allow_transfer: boolean; direction: 'delivery' | 'return' };

function requestOf(body: Body): HandoverRequest {
  return { direction: body.direction, shopId: body.shop_id, selector: selectorOf(body), allowTransfer: body.allow_transfer };
}

const choosing =
  'Choose SIMs as for `POST /simcards/assign`: exactly one of `simcard_ids`, `iccids`, `range` {from, to} or (delivery only) `count`, plus `shop_id`.' +
  ' A range is a box: every ICCID between its ends that we do not hold is named as `not_found`.';

export function handoverRoutes(api: ApiRouter, handovers: HandoversService): void {
  api.endpoint(
    {
      method: 'post',
      path: '/handovers/preview',
      tag: 'Handovers',
      summary: 'What a handover would move, and each SIM or ICCID it would not, with the reason; nothing is written',
      description: choosing,
      access: 'admin',
      body: HandoverPreviewBody,
      bodyLimitBytes: ASSIGNMENT_BODY_LIMIT_BYTES,
      responses: {
        200: { description: 'The preview', schema: HandoverPreview },
        409: { description: 'insufficient_stock: fewer SIMs in stock than `count`' },
      },
    },
    async (ctx, { body }) => {
      const preview = await handovers.preview(requestOf(body));
      ctx.body = { would_move: preview.moving.length, simcards: preview.moving, skipped: preview.skipped };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/handovers',
      tag: 'Handovers',
      summary: 'Hand SIMs over to a shop (or take them back to stock) with a handover document',
      description: `${choosing} The move is the bulk assignment's (one transaction, assignment log, audit entry); the document is written in the same transaction and awaits the receiving side's confirmation.`,
      access: 'admin',
      body: CreateHandoverBody,
      bodyLimitBytes: ASSIGNMENT_BODY_LIMIT_BYTES,
      responses: {
        201: { description: 'The handover document, and what was left behind', schema: CreatedHandover },
        409: { description: 'nothing_to_hand_over: none of the SIMs can move; insufficient_stock' },
      },
    },
    async (ctx, { body, principal }) => {
      const created = await handovers.create(principal, requestOf(body), body.note ?? null);
      ctx.status = 201;
      ctx.body = { ...presentHandover(created), skipped: created.skipped };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/handovers',
      tag: 'Handovers',
      summary: 'Handovers, newest first (unconfirmed=true: the waiting ones, oldest first); staff: their shop only',
      access: 'user',
      query: HandoverListQuery,
      responses: { 200: { description: 'A page of handovers', schema: listOf(HandoverSummary, 'HandoverList') } },
    },
    async (ctx, { query: { limit, offset, shop_id, ...filter }, principal }) => {
      const page = await handovers.list(principal, { ...filter, shopId: shop_id }, { limit, offset });
      const at = Date.now();
      ctx.body = presentPage(page, { limit, offset }, (row) => presentSummary(row, at));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/handovers/{id}',
      tag: 'Handovers',
      summary: 'One handover with its SIMs (staff: their shop only)',
      access: 'user',
      params: IdParams,
      responses: { 200: { description: 'The handover', schema: Handover } },
    },
    async (ctx, { params, principal }) => {
      ctx.body = presentHandover(await handovers.get(principal, params.id));
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/handovers/{id}/receipt',
      tag: 'Handovers',
      summary: 'Confirm what arrived: the ICCIDs received, or all',
      description:
        'A delivery is confirmed by staff of its shop or an admin; a return by an admin. Listed SIMs not named are recorded as missing, named ones not listed as unexpected; the status becomes `confirmed` or `confirmed_with_discrepancies`.',
      access: 'user',
      params: IdParams,
      body: ReceiptBody,
      bodyLimitBytes: ASSIGNMENT_BODY_LIMIT_BYTES,
      responses: {
        200: { description: 'The confirmed handover', schema: Handover },
        403: { description: 'Staff confirming a return' },
        409: { description: 'already_confirmed' },
      },
    },
    async (ctx, { params, body, principal }) => {
      ctx.body = presentHandover(await handovers.receipt(principal, params.id, body.all ? null : body.iccids!));
    },
  );
}
