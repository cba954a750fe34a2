import type { ApiRouter } from '@simcard/common';
import { presentPage, presentShop, Shop } from '../../presenters/core.js';
import { IdParams, listOf } from '../../schemas.js';
import type { ShopsService } from '../../services/shops.js';
import { CreateShopBody, ShopListQuery, UpdateShopBody } from './shops.schema.js';

export function shopRoutes(api: ApiRouter, shops: ShopsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/shops',
      tag: 'Shops',
      summary: 'List shops (staff: their own shop only)',
      access: 'user',
      query: ShopListQuery,
      responses: { 200: { description: 'A page of shops', schema: listOf(Shop, 'ShopList') } },
    },
    async (ctx, { query: { limit, offset, sort, q, is_active }, principal }) => {
      const page = await shops.list(principal, { q, isActive: is_active }, { limit, offset }, sort);
      ctx.body = presentPage(page, { limit, offset }, presentShop);
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/shops',
      tag: 'Shops',
      summary: 'Create a shop',
      access: 'admin',
      body: CreateShopBody,
      responses: { 201: { description: 'Created', schema: Shop }, 409: { description: 'The code is taken' } },
    },
    async (ctx, { body, principal }) => {
      const shop = await shops.create(principal, {
        name: body.name,
        code: body.code,
        city: body.city ?? null,
        region: body.region ?? null,
        address: body.address ?? null,
        phone: body.phone ?? null,
        manager_name: body.manager_name ?? null,
        is_active: body.is_active ?? true,
      });
      ctx.status = 201;
      ctx.body = presentShop(shop);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/shops/{id}',
      tag: 'Shops',
      summary: 'One shop',
      access: 'user',
      params: IdParams,
      responses: { 200: { description: 'The shop', schema: Shop } },
    },
    async (ctx, { params, principal }) => {
      ctx.body = presentShop(await shops.get(principal, params.id));
    },
  );

  api.endpoint(
    {
      method: 'put',
      path: '/shops/{id}',
      tag: 'Shops',
      summary: 'Change a shop',
      access: 'admin',
      params: IdParams,
      body: UpdateShopBody,
      responses: { 200: { description: 'Changed', schema: Shop }, 409: { description: 'The code is taken' } },
    },
    async (ctx, { params, body, principal }) => {
      ctx.body = presentShop(await shops.update(principal, params.id, body));
    },
  );

  api.endpoint(
    {
      method: 'delete',
      path: '/shops/{id}',
      tag: 'Shops',
      summary: 'Delete an empty shop',
      access: 'admin',
      params: IdParams,
      responses: {
        204: { description: 'Deleted' },
        409: { description: 'The shop still holds SIM cards or staff users; the details give the counts' },
      },
    },
    async (ctx, { params, principal }) => {
      await shops.remove(principal, params.id);
      ctx.status = 204;
    },
  );
}
