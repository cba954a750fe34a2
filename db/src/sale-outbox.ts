/**
 * Writes the notifications of a sale into the outbox, inside the sale's own transaction: a sale
 * is never recorded without its notifications, nor announced without being recorded. Shared by
 * the status API (a check's sale) and the main API (an operator's activation report).
 */
import { createHash } from 'node:crypto';
import type { NotificationsConfig } from '@simcard/common';
import type { Queryable } from './connection.js';
import * as notificationDeliveriesRepository from './repositories/notification-deliveries.js';
import type { SimcardRow } from './rows.js';
import { toIso } from './time.js';

export const SALE_EVENT = 'simcard.sold';

/**
 * The sale's delivery id, the same whenever it is computed: a SIM has one sale for life (see
 * apply-answer.ts), so a receiver that drops ids it has seen counts every sale exactly once,
 * even if a delivery is repeated. UUID-shaped (from SHA-256), as receivers may expect.
 */
export function saleDeliveryId(sim: Pick<SimcardRow, 'id' | 'iccid'>): string {
  const h = createHash('sha256').update(`${SALE_EVENT}:${sim.id}:${sim.iccid}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What Telegram's message is made from. */
export interface TelegramSale {
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  shop: string | null;
}

type SaleRow = Pick<
  SimcardRow,
  'id' | 'iccid' | 'msisdn' | 'operator' | 'shop_id' | 'status' | 'activated_at' | 'sold_at' | 'sale_detected_at'
>;

export class SaleOutbox {
  constructor(private readonly config: NotificationsConfig) {}

  get enabled(): boolean {
    return this.config.webhookUrls.length > 0 || this.config.telegram !== null;
  }

  async enqueue(trx: Queryable, sim: SaleRow, at: string): Promise<void> {
    if (!this.enabled) return;
    const shop =
      this.config.telegram && sim.shop_id !== null
        ? ((await trx('shops').where({ id: sim.shop_id }).first('name')) as { name: string } | undefined)
        : undefined;
    await notificationDeliveriesRepository.enqueue(trx, this.#deliveries(sim, at, shop?.name ?? null));
  }

  /** The notifications of many sales at once (an activation report's): a few statements for all. */
  async enqueueAll(trx: Queryable, sims: SaleRow[], at: string): Promise<void> {
    if (!this.enabled || sims.length === 0) return;
    const names = new Map<number, string>();
    if (this.config.telegram) {
      const ids = [...new Set(sims.map((s) => s.shop_id).filter((id): id is number => id !== null))];
      for (let i = 0; i < ids.length; i += 500) {
        const rows = (await trx('shops')
          .whereIn('id', ids.slice(i, i + 500))
          .select('id', 'name')) as Array<{ id: number; name: string }>;
        for (const r of rows) names.set(r.id, r.name);
      }
    }
    const deliveries = sims.flatMap((sim) => this.#deliveries(sim, at, sim.shop_id === null ? null : (names.get(sim.shop_id) ?? null)));
    // 9 columns a row: 200 rows stay under SQLite's bound-value and compound-select limits.
    for (let i = 0; i < deliveries.length; i += 200) await notificationDeliveriesRepository.enqueue(trx, deliveries.slice(i, i + 200));
  }

  #deliveries(sim: SaleRow, at: string, shopName: string | null): notificationDeliveriesRepository.NewDelivery[] {
    const simcard = {
      id: sim.id,
      iccid: sim.iccid,
      msisdn: sim.msisdn,
      operator: sim.operator,
      shop_id: sim.shop_id,
      status: sim.status,
      activated_at: toIso(sim.activated_at),
      sold_at: toIso(sim.sold_at),
      sale_detected_at: toIso(sim.sale_detected_at),
    };
    const deliveries: notificationDeliveriesRepository.NewDelivery[] = this.config.webhookUrls.map((url) => ({
      channel: 'webhook',
      target: url,
      event: SALE_EVENT,
      simcard_id: sim.id,
      // The id lets a receiver drop a delivery it has already seen (delivery is at least once).
      // One per sale, not per enqueue: see saleDeliveryId.
      payload: JSON.stringify({ id: saleDeliveryId(sim), event: SALE_EVENT, created_at: at, data: { simcard } }),
    }));
    if (this.config.telegram) {
      const sale: TelegramSale = { iccid: sim.iccid, msisdn: sim.msisdn, operator: sim.operator, shop: shopName };
      deliveries.push({
        channel: 'telegram',
        target: this.config.telegram.chatId,
        event: SALE_EVENT,
        simcard_id: sim.id,
        payload: JSON.stringify(sale),
      });
    }
    return deliveries;
  }
}
