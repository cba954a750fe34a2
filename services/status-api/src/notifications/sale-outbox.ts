/**
 * The sale outbox lives in @simcard/db (db/src/sale-outbox.ts): a check's sale and an
 * activation report's sale are announced the same way, with the same delivery id.
 */
export { SALE_EVENT, saleDeliveryId, SaleOutbox, type TelegramSale } from '@simcard/db';
