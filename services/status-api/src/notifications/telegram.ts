/** A Telegram message announcing sales: one line per SIM, several sales in one message. */
import type { TelegramSale } from './sale-outbox.js';

/** Well under Telegram's 4,096 characters a message. */
export const MAX_SALES_PER_MESSAGE = 30;

export function saleMessage(sales: TelegramSale[]): string {
  // Uzbek first, then Russian: the two languages of the dealer's staff.
  const head = sales.length === 1 ? '🟢 Yangi sotuv / Новая продажа' : `🟢 ${sales.length} ta yangi sotuv / Новых продаж: ${sales.length}`;
  const lines = sales.map((s) => `• ${s.iccid}${s.msisdn ? ` · +${s.msisdn.replace(/^\+/, '')}` : ''}${s.operator ? ` · ${s.operator}` : ''}${s.shop ? ` · ${s.shop}` : ''}`);
  return [head, ...lines].join('\n');
}
