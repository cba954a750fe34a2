import { type ApiKeyRow, toIso } from '@simcard/db';
import type { z } from 'zod';
import type { ApiKey } from '../routes/api-keys/api-keys.schema.js';

export function presentApiKey(row: ApiKeyRow): z.infer<typeof ApiKey> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    created_by: row.created_by,
    created_at: toIso(row.created_at)!,
    last_used_at: toIso(row.last_used_at),
    revoked_at: toIso(row.revoked_at),
  };
}
