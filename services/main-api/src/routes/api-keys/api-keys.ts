import type { ApiRouter } from '@simcard/common';
import { presentApiKey } from '../../presenters/api-keys.js';
import { presentPage } from '../../presenters/core.js';
import { IdParams, listOf } from '../../schemas.js';
import type { ApiKeysService } from '../../services/api-keys.js';
import { ApiKey, ApiKeyListQuery, CreateApiKeyBody, CreatedApiKey } from './api-keys.schema.js';

export function apiKeyRoutes(api: ApiRouter, keys: ApiKeysService): void {
  api.endpoint(
    {
      method: 'post',
      path: '/api-keys',
      tag: 'API keys',
      summary: 'Create an API key (the key is in this answer only)',
      description:
        'Integrations send the key as `X-API-Key`. It acts for the admin who created it and stops working if that admin is removed or demoted.',
      access: 'admin',
      body: CreateApiKeyBody,
      responses: { 201: { description: 'Created; store `key` now, it cannot be shown again', schema: CreatedApiKey } },
    },
    async (ctx, { body, principal }) => {
      const { row, key } = await keys.create(principal, body);
      ctx.status = 201;
      ctx.body = { ...presentApiKey(row), key };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api-keys',
      tag: 'API keys',
      summary: 'List API keys, newest first (never the keys themselves)',
      access: 'admin',
      query: ApiKeyListQuery,
      responses: { 200: { description: 'A page of keys', schema: listOf(ApiKey, 'ApiKeyList') } },
    },
    async (ctx, { query: { limit, offset, active } }) => {
      const page = await keys.list({ activeOnly: active === true }, { limit, offset });
      ctx.body = presentPage(page, { limit, offset }, presentApiKey);
    },
  );

  api.endpoint(
    {
      method: 'delete',
      path: '/api-keys/{id}',
      tag: 'API keys',
      summary: 'Revoke an API key: refused from the next request on',
      access: 'admin',
      params: IdParams,
      responses: { 200: { description: 'Revoked (revoking again changes nothing)', schema: ApiKey } },
    },
    async (ctx, { params, principal }) => {
      ctx.body = presentApiKey(await keys.revoke(principal, params.id));
    },
  );
}
