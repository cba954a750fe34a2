/** A Telegram message announcing sales: one line per SIM, several sales in one message. */
import type { TelegramSale } from './sale-outbox.js';

/** Well under Telegram's 4,096 characters a message. */
export const MAX_SALES_PER_MESSAGE = 30;

export function saleMessage(sales: TelegramSale[]): string {
  // Uzbek first, then Russian: the two languages of the dealer's staff.
  const head = sales.length === 1 ? '🟢 Yangi sotuv / Новая продажа' : `🟢 ${sales.length} ta yangi sotuv / Новых продаж: ${sales.length}`;
  const lines = sales.map(
    (s) =>
      `• ${s.iccid}${s.msisdn ? ` · +${s.msisdn.replace(/^\+/, '')}` : ''}${s.operator ? ` · ${s.operator}` : ''}${s.shop ? ` · ${s.shop}` : ''}`,
  );
  return [head, ...lines].join('\n');
}

export type AlertKind = 'check_run.failed' | 'provider.down' | 'provider.recovered' | 'data.stale';

/** What an alert says; times are shown in the dealer's time zone. */
export interface AlertFacts {
  /** check_run.failed */
  run?: { id: number; done: number; total: number; errors: number; reason: string | null };
  /** provider.down / provider.recovered: since when the breaker was open. */
  downSince?: string;
  /** provider.down / provider.recovered: which operator, when each has its own provider. */
  operator?: string;
  /** provider.recovered: for how long. */
  downMinutes?: number;
  /** data.stale: when the last completed run finished (null: never). */
  lastCompletedAt?: string | null;
}

/** An alert's Telegram text in the dealer's language (ALERT_LANGUAGE). */
export function alertMessage(kind: AlertKind, facts: AlertFacts, language: 'uz' | 'ru', timeZone: string): string {
  const at = (iso: string | null | undefined) =>
    iso ? new Date(iso).toLocaleString(language === 'ru' ? 'ru-RU' : 'uz-UZ', { timeZone, dateStyle: 'short', timeStyle: 'short' }) : '—';
  const run = facts.run;
  const op = facts.operator ? ` ${facts.operator}` : '';
  if (language === 'ru') {
    switch (kind) {
      case 'check_run.failed':
        return `🔴 Проверка #${run?.id} остановлена: проверено ${run?.done} из ${run?.total}, ошибок ${run?.errors}.${run?.reason ? `\n${run.reason}` : ''}`;
      case 'provider.down':
        return `🔴 Оператор${op} не отвечает с ${at(facts.downSince)}. Проверки ждут его.`;
      case 'provider.recovered':
        return `🟢 Оператор${op} снова отвечает (перерыв ${facts.downMinutes ?? 0} мин, с ${at(facts.downSince)}).`;
      case 'data.stale':
        return `🟠 Статусы SIM устарели: последняя завершённая проверка — ${at(facts.lastCompletedAt)}.`;
    }
  }
  switch (kind) {
    case 'check_run.failed':
      return `🔴 #${run?.id} tekshiruv to'xtadi: ${run?.total} tadan ${run?.done} tasi tekshirildi, xatolar: ${run?.errors}.${run?.reason ? `\n${run.reason}` : ''}`;
    case 'provider.down':
      return `🔴 Operator${op} ${at(facts.downSince)} dan beri javob bermayapti. Tekshiruvlar uni kutmoqda.`;
    case 'provider.recovered':
      return `🟢 Operator${op} yana javob bermoqda (${facts.downMinutes ?? 0} daqiqalik uzilish, ${at(facts.downSince)} dan).`;
    case 'data.stale':
      return `🟠 SIM holatlari eskirgan: oxirgi tugallangan tekshiruv — ${at(facts.lastCompletedAt)}.`;
  }
}
