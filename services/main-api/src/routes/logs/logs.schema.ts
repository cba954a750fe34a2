import { z } from 'zod';
import { booleanQuery, Iccid, IdString, pageQuery } from '../../schemas.js';

/** An ISO-8601 date-time with a zone (`Z` or an offset), or a plain date (midnight UTC); normalized to UTC. */
const Instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((s) => new Date(s).toISOString())
  .meta({ description: 'ISO-8601 date-time with Z or an offset, or a date (midnight UTC)', example: '2026-11-23T00:00:00Z' });

export const StatusChangeLogQuery = z
  .strictObject({
    ...pageQuery,
    shop_id: IdString.optional().meta({ description: 'Logs of the SIMs this shop holds now' }),
    simcard_id: IdString.optional(),
    iccid: Iccid.optional(),
    status: z.enum(['in_stock', 'assigned', 'sold', 'blocked']).optional().meta({ description: 'The status the check found' }),
    source: z.enum(['manual', 'bulk', 'auto']).optional(),
    run_id: IdString.optional(),
    errors_only: booleanQuery.optional().meta({ description: 'true: failed checks only' }),
    from: Instant.optional().meta({ description: 'checked_at at or after' }),
    to: Instant.optional().meta({ description: 'checked_at before' }),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'must be later than from', path: ['to'] });
