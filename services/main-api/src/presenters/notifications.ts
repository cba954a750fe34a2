import { type DeliveryRow, toIso } from '@simcard/db';
import type { z } from 'zod';
import type { Delivery } from '../routes/notifications/notifications.schema.js';

export function presentDelivery(row: DeliveryRow): z.infer<typeof Delivery> {
  return {
    id: row.id,
    channel: row.channel,
    target: row.channel === 'webhook' ? shortenUrl(row.target) : row.target,
    event: row.event,
    simcard_id: row.simcard_id,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? toIso(row.next_attempt_at) : null,
    response_status: row.response_status,
    last_error: row.last_error,
    created_at: toIso(row.created_at)!,
    delivered_at: toIso(row.delivered_at),
  };
}

/** `https://hooks.example.com/…`: many receivers put their secret in the path or the query. */
function shortenUrl(url: string): string {
  try {
    const { origin, pathname, search } = new URL(url);
    return pathname.length > 1 || search ? `${origin}/…` : origin;
  } catch {
    return '…';
  }
}
