import { nameText } from '@simcard/common';
import { z } from 'zod';
import { booleanQuery, pageQuery } from '../../schemas.js';

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });

export const ApiKey = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the key, to recognize it by' }),
    role: z.enum(['read', 'admin']),
    created_by: z.number().int().nullable().meta({ description: 'The admin the key acts for' }),
    created_at: timestamp,
    last_used_at: timestamp.nullable().meta({ description: 'Updated at most once a minute' }),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKey = ApiKey.extend({
  key: z.string().meta({ description: 'The key, shown this once only: send it as X-API-Key' }),
}).meta({ id: 'CreatedApiKey' });

export const CreateApiKeyBody = z
  .strictObject({
    name: nameText(100).meta({ description: 'What the key is for, e.g. "accounting export"' }),
    role: z
      .enum(['read', 'admin'])
      .meta({ description: '`read`: GET requests only, with admin visibility; `admin`: everything an admin may do' }),
  })
  .meta({ id: 'CreateApiKeyRequest' });

export const ApiKeyListQuery = z.strictObject({
  ...pageQuery,
  active: booleanQuery.optional().meta({ description: 'true: only keys that are not revoked' }),
});
