import { z } from 'zod';
import { listOf, pageQuery } from '../../schemas.js';

export const DeliveryListQuery = z.strictObject({
  ...pageQuery,
  channel: z.enum(['webhook', 'telegram']).optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });

export const Delivery = z
  .object({
    id: z.number().int(),
    channel: z.enum(['webhook', 'telegram']),
    target: z.string().meta({ description: "Where it goes, shortened: a webhook URL's path and query may hold its secret" }),
    event: z.string(),
    simcard_id: z.number().int().nullable(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: timestamp.nullable().meta({ description: 'When it is tried again (pending only)' }),
    response_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    delivered_at: timestamp.nullable(),
  })
  .meta({ id: 'NotificationDelivery' });

export const DeliveryList = listOf(Delivery, 'NotificationDeliveryList');
