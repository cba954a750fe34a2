import { toIso, type DeliveryRow } from '@simcard/db';
import type { ApiRouter } from '@simcard/common';
import type { z } from 'zod';
import type { NotificationsService } from '../../services/notifications.js';
import { Delivery, DeliveryList, DeliveryListQuery } from './notifications.schema.js';

export function notificationRoutes(api: ApiRouter, notifications: NotificationsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/notifications/deliveries',
      tag: 'Notifications',
      summary: 'The delivery log of sale notifications (webhooks, Telegram), newest first',
      access: 'admin',
      query: DeliveryListQuery,
      responses: { 200: { description: 'A page of deliveries', schema: DeliveryList } },
    },
    async (ctx, { query: { limit, offset, channel, status } }) => {
      const page = await notifications.listDeliveries({ channel, status }, { limit, offset });
      ctx.body = { data: page.rows.map(presentDelivery), total: page.total, limit, offset };
    },
  );
}

function presentDelivery(row: DeliveryRow): z.infer<typeof Delivery> {
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
