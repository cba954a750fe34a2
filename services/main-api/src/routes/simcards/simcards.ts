import type { ApiRouter } from '@simcard/common';
import { z } from 'zod';
import { presentPage, presentSimcard, Simcard } from '../../presenters/core.js';
import { IdParams, listOf } from '../../schemas.js';
import type { SimcardsService } from '../../services/simcards.js';
import { CreateSimcardBody, SimcardListPageQuery, UpdateSimcardBody } from './simcards.schema.js';

/** The list, plus whether `total` is exact (a broad search (`q`) stops counting at 1,000) and the next page's cursor. */
const SimcardList = listOf(Simcard, 'SimcardList').extend({
  total_exact: z.boolean().meta({ description: 'false: a broad search matched more than `total` (1,000) SIMs and stopped counting' }),
  next_cursor: z
    .string()
    .nullable()
    .meta({ description: 'Give it as `cursor` (same sort and filters) for the next page; null on the last page' }),
});

export function simcardRoutes(api: ApiRouter, simcards: SimcardsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/simcards',
      tag: 'SIM cards',
      summary: 'List SIM cards with filters, search and sorting (staff: their shop only)',
      access: 'user',
      query: SimcardListPageQuery,
      responses: { 200: { description: 'A page of SIM cards', schema: SimcardList } },
    },
    async (ctx, { query: { limit, offset, sort, cursor, ...filter }, principal }) => {
      const page = await simcards.list(principal, filter, { limit, offset, cursor }, sort);
      ctx.body = {
        ...presentPage(page, { limit, offset }, presentSimcard),
        total_exact: page.totalExact,
        next_cursor: page.nextCursor,
      };
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/simcards',
      tag: 'SIM cards',
      summary: 'Add one SIM card (into stock, or straight to a shop)',
      access: 'admin',
      body: CreateSimcardBody,
      responses: { 201: { description: 'Created', schema: Simcard }, 409: { description: 'The ICCID or phone number exists' } },
    },
    async (ctx, { body, principal }) => {
      ctx.status = 201;
      ctx.body = presentSimcard(await simcards.create(principal, body));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/simcards/{id}',
      tag: 'SIM cards',
      summary: 'One SIM card',
      access: 'user',
      params: IdParams,
      responses: { 200: { description: 'The SIM card', schema: Simcard } },
    },
    async (ctx, { params, principal }) => {
      ctx.body = presentSimcard(await simcards.get(principal, params.id));
    },
  );

  api.endpoint(
    {
      method: 'put',
      path: '/simcards/{id}',
      tag: 'SIM cards',
      summary: 'Change a SIM card; setting shop_id moves it (assign, transfer, return to stock)',
      access: 'user',
      params: IdParams,
      body: UpdateSimcardBody,
      responses: {
        200: { description: 'Changed', schema: Simcard },
        403: { description: 'Staff tried to change something other than notes' },
        409: { description: 'Phone number taken, or a sold/blocked SIM cannot be moved' },
      },
    },
    async (ctx, { params, body, principal }) => {
      ctx.body = presentSimcard(await simcards.update(principal, params.id, body));
    },
  );

  api.endpoint(
    {
      method: 'delete',
      path: '/simcards/{id}',
      tag: 'SIM cards',
      summary: 'Delete a SIM card (not a sold one)',
      access: 'admin',
      params: IdParams,
      responses: { 204: { description: 'Deleted' }, 409: { description: 'The SIM was sold' } },
    },
    async (ctx, { params, principal }) => {
      await simcards.remove(principal, params.id);
      ctx.status = 204;
    },
  );
}
