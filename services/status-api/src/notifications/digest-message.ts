/** The daily digest's Telegram texts, in Uzbek or Russian (each chat has its own language). */
import type { digestsRepository } from '@simcard/db';

export type DigestLanguage = 'uz' | 'ru';

const T = {
  uz: {
    shopHead: (day: string, shop: string) => `📊 ${shop} — ${day} kungi hisobot`,
    soldToday: 'Bugun sotildi',
    onHand: 'Doʻkonda (sotilmagan)',
    oldest: (days: number) => `Eng eski sotilmagan: ${days} kun oldin kelgan`,
    none: 'Sotilmagan SIM-karta yoʻq',
    adminHead: (day: string) => `📊 ${day} kungi umumiy hisobot`,
    totalSold: 'Bugun jami sotildi',
    fromStock: 'shundan ombordan (doʻkonsiz)',
    totalOnHand: 'Doʻkonlarda sotilmagan',
    top: 'Eng yaxshi doʻkonlar',
    bottom: 'Bugun sotuvsiz, eng koʻp zaxira',
    anomalies: 'Bugungi yangi anomaliyalar',
    failedRuns: 'Muvaffaqiyatsiz tekshiruvlar',
  },
  ru: {
    shopHead: (day: string, shop: string) => `📊 ${shop} — отчёт за ${day}`,
    soldToday: 'Продано сегодня',
    onHand: 'В магазине (не продано)',
    oldest: (days: number) => `Самая старая непроданная: получена ${days} дн. назад`,
    none: 'Непроданных SIM-карт нет',
    adminHead: (day: string) => `📊 Итоги за ${day}`,
    totalSold: 'Всего продано сегодня',
    fromStock: 'из них со склада (без магазина)',
    totalOnHand: 'Не продано в магазинах',
    top: 'Лучшие магазины',
    bottom: 'Без продаж сегодня, больше всего на руках',
    anomalies: 'Новые аномалии сегодня',
    failedRuns: 'Неудачные проверки',
  },
} as const;

export function shopDigest(lang: DigestLanguage, day: string, shop: digestsRepository.ShopDigestRow, oldestDays: number | null): string {
  const t = T[lang];
  return [
    t.shopHead(day, `${shop.name} (${shop.code})`),
    `${t.soldToday}: ${shop.sold_today}`,
    `${t.onHand}: ${shop.on_hand}`,
    oldestDays === null ? t.none : t.oldest(oldestDays),
  ].join('\n');
}

export interface DealerDigest {
  day: string;
  shops: digestsRepository.ShopDigestRow[];
  soldFromStock: number;
  newAnomalies: number;
  failedRuns: number;
}

export function adminDigest(lang: DigestLanguage, d: DealerDigest): string {
  const t = T[lang];
  const sold = d.shops.reduce((n, s) => n + s.sold_today, 0) + d.soldFromStock;
  const onHand = d.shops.reduce((n, s) => n + s.on_hand, 0);
  const top = [...d.shops]
    .filter((s) => s.sold_today > 0)
    .sort((a, b) => b.sold_today - a.sold_today || a.shop_id - b.shop_id)
    .slice(0, 3);
  const bottom = [...d.shops]
    .filter((s) => s.sold_today === 0 && s.on_hand > 0)
    .sort((a, b) => b.on_hand - a.on_hand || a.shop_id - b.shop_id)
    .slice(0, 3);
  const lines = [t.adminHead(d.day), `${t.totalSold}: ${sold} (${t.fromStock}: ${d.soldFromStock})`, `${t.totalOnHand}: ${onHand}`];
  if (top.length > 0) lines.push(`${t.top}:`, ...top.map((s) => `• ${s.name} (${s.code}): ${s.sold_today}`));
  if (bottom.length > 0) lines.push(`${t.bottom}:`, ...bottom.map((s) => `• ${s.name} (${s.code}): ${s.on_hand}`));
  lines.push(`${t.anomalies}: ${d.newAnomalies}`, `${t.failedRuns}: ${d.failedRuns}`);
  return lines.join('\n');
}
