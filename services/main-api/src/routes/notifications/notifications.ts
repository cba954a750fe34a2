import type { ApiRouter } from '@simcard/common';
import { presentDelivery } from '../../presenters/notifications.js';
import type { NotificationsService } from '../../services/notifications.js';
import { DeliveryList, DeliveryListQuery } from './notifications.schema.js';

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
