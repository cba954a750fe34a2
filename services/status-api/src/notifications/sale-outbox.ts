/**
 * Writes the notifications of a sale into the outbox, inside the sale's own transaction: a sale
 * is never recorded without its notifications, nor announced without being recorded.
 */
import { randomUUID } from 'node:crypto';
import type { NotificationsConfig } from '@simcard/common';
import { notificationDeliveriesRepository, toIso, type Queryable, type SimcardRow } from '@simcard/db';

export const SALE_EVENT = 'simcard.sold';

/** What Telegram's message is made from. */
export interface TelegramSale {
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  shop: string | null;
}

export class SaleOutbox {
  constructor(private readonly config: NotificationsConfig) {}

  get enabled(): boolean {
    return this.config.webhookUrls.length > 0 || this.config.telegram !== null;
  }

  async enqueue(trx: Queryable, sim: SimcardRow, at: string): Promise<void> {
    if (!this.enabled) return;
    const simcard = {
      id: sim.id,
      iccid: sim.iccid,
      msisdn: sim.msisdn,
      operator: sim.operator,
      shop_id: sim.shop_id,
      status: sim.status,
      activated_at: toIso(sim.activated_at),
      sold_at: toIso(sim.sold_at),
    };
    const deliveries: notificationDeliveriesRepository.NewDelivery[] = this.config.webhookUrls.map((url) => ({
      channel: 'webhook',
      target: url,
      event: SALE_EVENT,
      simcard_id: sim.id,
      // The id lets a receiver drop a delivery it has already seen (delivery is at least once).
      payload: JSON.stringify({ id: randomUUID(), event: SALE_EVENT, created_at: at, data: { simcard } }),
    }));
    if (this.config.telegram) {
      const shop = sim.shop_id === null ? undefined : ((await trx('shops').where({ id: sim.shop_id }).first('name')) as { name: string } | undefined);
      const sale: TelegramSale = { iccid: sim.iccid, msisdn: sim.msisdn, operator: sim.operator, shop: shop?.name ?? null };
      deliveries.push({ channel: 'telegram', target: this.config.telegram.chatId, event: SALE_EVENT, simcard_id: sim.id, payload: JSON.stringify(sale) });
    }
    await notificationDeliveriesRepository.enqueue(trx, deliveries);
  }
}
