import type { ApiRouter } from '@simcard/common';
import { presentPage, presentUser, User } from '../../presenters/core.js';
import { IdParams, listOf } from '../../schemas.js';
import type { UsersService } from '../../services/users.js';
import { CreateUserBody, UpdateUserBody, UserListQuery } from './users.schema.js';

export function userRoutes(api: ApiRouter, users: UsersService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/users',
      tag: 'Users',
      summary: 'List users',
      access: 'admin',
      query: UserListQuery,
      responses: { 200: { description: 'A page of users', schema: listOf(User, 'UserList') } },
    },
    async (ctx, { query: { limit, offset, sort, role, shop_id, is_active, q } }) => {
      const page = await users.list({ role, shopId: shop_id, isActive: is_active, q }, { limit, offset }, sort);
      ctx.body = presentPage(page, { limit, offset }, presentUser);
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/users',
      tag: 'Users',
      summary: 'Create a user (staff need a shop)',
      access: 'admin',
      body: CreateUserBody,
      responses: { 201: { description: 'Created', schema: User }, 409: { description: 'The username is taken' } },
    },
    async (ctx, { body, principal }) => {
      ctx.status = 201;
      ctx.body = presentUser(await users.create(principal, body));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/users/{id}',
      tag: 'Users',
      summary: 'One user',
      access: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The user', schema: User } },
    },
    async (ctx, { params }) => {
      ctx.body = presentUser(await users.get(params.id));
    },
  );

  api.endpoint(
    {
      method: 'put',
      path: '/users/{id}',
      tag: 'Users',
      summary: 'Change a user: rename, move to a shop, change role, reset password, deactivate',
      access: 'admin',
      params: IdParams,
      body: UpdateUserBody,
      responses: {
        200: { description: 'Changed', schema: User },
        409: { description: 'The username is taken, or the change would leave no active admin' },
      },
    },
    async (ctx, { params, body, principal }) => {
      ctx.body = presentUser(await users.update(principal, params.id, body));
    },
  );

  api.endpoint(
    {
      method: 'delete',
      path: '/users/{id}',
      tag: 'Users',
      summary: 'Delete a user',
      access: 'admin',
      params: IdParams,
      responses: { 204: { description: 'Deleted' }, 409: { description: 'Your own account, or the last active admin' } },
    },
    async (ctx, { params, principal }) => {
      await users.remove(principal, params.id);
      ctx.status = 204;
    },
  );
}
