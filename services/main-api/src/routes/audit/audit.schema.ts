import { z } from 'zod';
import { IdString, pageQuery } from '../../schemas.js';

/** A date-time with an offset, normalized to UTC `…Z` so it compares with the stored text on SQLite too. */
const instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s).toISOString())
  .meta({ description: 'ISO-8601 date-time, e.g. 2026-11-23T00:00:00Z' });

export const AuditListQuery = z
  .strictObject({
    ...pageQuery,
    entity: z
      .string()
      .regex(/^[a-z_]{1,32}$/, 'must be an entity name such as user, shop, simcard, api_key')
      .optional()
      .meta({ description: 'user, shop, simcard, api_key, …' }),
    entity_id: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'must be an id')
      .optional(),
    action: z
      .string()
      .regex(/^[a-z_]{1,32}$/, 'must be an action name such as create, update, import, assign')
      .optional()
      .meta({ description: 'create, update, delete, revoke, import, assign, unassign, …' }),
    actor_user_id: IdString.optional().meta({ description: 'Changes made by this user (or by API keys acting for them)' }),
    actor_api_key_id: IdString.optional().meta({ description: 'Changes made with this API key' }),
    from: instant.optional().meta({ description: 'At or after (inclusive)' }),
    to: instant.optional().meta({ description: 'Before (exclusive)' }),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'from must be before to', path: ['to'] });

const Snapshot = z.record(z.string(), z.unknown()).nullable();

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.string().meta({ description: 'ISO-8601 UTC' }),
    actor: z.object({
      user_id: z.number().int().nullable(),
      api_key_id: z.number().int().nullable(),
      name: z.string().meta({ description: 'The username, `api-key:<name>`, or `cli`' }),
    }),
    action: z.string(),
    entity: z.string(),
    entity_id: z.string().nullable(),
    before: Snapshot.meta({ description: 'The row before the change (null for a create or a bulk operation); secrets left out' }),
    after: Snapshot.meta({
      description:
        'The row after the change (null for a delete); for a bulk operation (import, assign, unassign) a summary: counts and a bounded sample, never every SIM',
    }),
    request_id: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });
