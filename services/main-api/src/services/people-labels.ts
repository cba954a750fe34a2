/**
 * Words in files made for people (exports, statements): headers, status names, sheet names in
 * Uzbek, Russian or English, the same words the web app uses (web/src/i18n). And the two
 * things Excel needs to show a date as the dealer sees it.
 */
import { dealerOffsetMinutes, type Principal } from '@simcard/common';
import type { Queryable } from '@simcard/db';

export const LANGUAGES = ['uz', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

type Dict = Record<string, string>;

const uz: Dict = {
  id: 'ID',
  iccid: 'ICCID',
  msisdn: 'Telefon raqami',
  operator: 'Operator',
  tariff: 'Tarif',
  price: 'Narxi (soʻm)',
  batch_id: 'Partiya',
  status: 'Holati',
  provider_status: 'Operator holati',
  shop_id: 'Doʻkon ID',
  shop_code: 'Doʻkon kodi',
  shop_name: 'Doʻkon',
  assigned_at: 'Doʻkonga berilgan',
  activated_at: 'Faollashtirilgan',
  sold_at: 'Sotilgan',
  last_checked_at: 'Oxirgi tekshiruv',
  last_check_error: 'Oxirgi tekshiruv xatosi',
  notes: 'Izoh',
  created_at: 'Yaratilgan',
  updated_at: 'Oʻzgartirilgan',
  'status.in_stock': 'Omborda',
  'status.assigned': 'Doʻkonda',
  'status.sold': 'Sotilgan',
  'status.blocked': 'Bloklangan',
  'provider.inactive': 'Faollashtirilmagan',
  'provider.active': 'Faol',
  'provider.blocked': 'Bloklangan',
  'provider.not_found': 'Operatorda topilmadi',
  'sheet.simcards': 'SIM-kartalar',
  'sheet.statement': 'Hisobot',
  'sheet.sales': 'Sotuvlar',
  activations: 'Faollashtirishlar',
  earned: 'Komissiya (soʻm)',
  share: 'Doʻkon ulushi (soʻm)',
  unit: 'Bittasi uchun (soʻm)',
  paid: 'Toʻlangan (soʻm)',
  balance: 'Qoldiq (soʻm)',
  total: 'Jami',
  month: 'Oy',
  statement: 'Doʻkon hisoboti',
  shop: 'Doʻkon',
  'no.tariff': 'har qanday tarif',
  'no.operator': 'operatorsiz',
};

const ru: Dict = {
  id: 'ID',
  iccid: 'ICCID',
  msisdn: 'Номер телефона',
  operator: 'Оператор',
  tariff: 'Тариф',
  price: 'Цена (сум)',
  batch_id: 'Партия',
  status: 'Статус',
  provider_status: 'Статус у оператора',
  shop_id: 'ID магазина',
  shop_code: 'Код магазина',
  shop_name: 'Магазин',
  assigned_at: 'Выдана магазину',
  activated_at: 'Активирована',
  sold_at: 'Продана',
  last_checked_at: 'Последняя проверка',
  last_check_error: 'Ошибка последней проверки',
  notes: 'Примечание',
  created_at: 'Создано',
  updated_at: 'Изменено',
  'status.in_stock': 'На складе',
  'status.assigned': 'В магазине',
  'status.sold': 'Продана',
  'status.blocked': 'Заблокирована',
  'provider.inactive': 'Не активирована',
  'provider.active': 'Активна',
  'provider.blocked': 'Заблокирована',
  'provider.not_found': 'Неизвестна оператору',
  'sheet.simcards': 'SIM-карты',
  'sheet.statement': 'Выписка',
  'sheet.sales': 'Продажи',
  activations: 'Активаций',
  earned: 'Комиссия (сум)',
  share: 'Доля магазина (сум)',
  unit: 'За одну (сум)',
  paid: 'Оплачено (сум)',
  balance: 'Остаток (сум)',
  total: 'Итого',
  month: 'Месяц',
  statement: 'Выписка магазина',
  shop: 'Магазин',
  'no.tariff': 'любой тариф',
  'no.operator': 'без оператора',
};

const en: Dict = {
  id: 'ID',
  iccid: 'ICCID',
  msisdn: 'Phone number',
  operator: 'Operator',
  tariff: 'Tariff',
  price: 'Price (soʻm)',
  batch_id: 'Batch',
  status: 'Status',
  provider_status: 'Operator status',
  shop_id: 'Shop ID',
  shop_code: 'Shop code',
  shop_name: 'Shop',
  assigned_at: 'Given to shop',
  activated_at: 'Activated',
  sold_at: 'Sold',
  last_checked_at: 'Last checked',
  last_check_error: 'Last check error',
  notes: 'Notes',
  created_at: 'Created',
  updated_at: 'Updated',
  'status.in_stock': 'In stock',
  'status.assigned': 'At a shop',
  'status.sold': 'Sold',
  'status.blocked': 'Blocked',
  'provider.inactive': 'Not activated',
  'provider.active': 'Active',
  'provider.blocked': 'Blocked',
  'provider.not_found': 'Unknown to the operator',
  'sheet.simcards': 'SIM cards',
  'sheet.statement': 'Statement',
  'sheet.sales': 'Sales',
  activations: 'Activations',
  earned: 'Commission (soʻm)',
  share: "Shop's share (soʻm)",
  unit: 'Per activation (soʻm)',
  paid: 'Paid (soʻm)',
  balance: 'Balance (soʻm)',
  total: 'Total',
  month: 'Month',
  statement: 'Shop statement',
  shop: 'Shop',
  'no.tariff': 'any tariff',
  'no.operator': 'no operator',
};

const DICTS: Record<Language, Dict> = { uz, ru, en };

export function label(lang: Language, key: string): string {
  return DICTS[lang][key] ?? DICTS.en[key] ?? key;
}

/**
 * An instant as the Date exceljs should write so that Excel shows the dealer's wall-clock time:
 * Excel dates have no zone, exceljs writes a Date's UTC fields, so the offset is added.
 */
export function excelLocalDate(instant: string | Date | null, tz: string): Date | null {
  if (instant === null) return null;
  const at = instant instanceof Date ? instant : new Date(instant);
  return new Date(at.getTime() + dealerOffsetMinutes(at, tz) * 60_000);
}

export const EXCEL_DATE_FORMAT = 'yyyy-mm-dd hh:mm';

/** The language a file is made in: the one asked for, else the user's own (kept when they switch it in the web app), else Uzbek. */
export async function fileLanguage(db: Queryable, principal: Principal, asked: Language | undefined): Promise<Language> {
  if (asked) return asked;
  if (principal.userId <= 0) return 'uz';
  const row = (await db('users').select('language').where({ id: principal.userId }).first()) as { language?: string | null } | undefined;
  return (LANGUAGES as readonly string[]).includes(row?.language ?? '') ? (row!.language as Language) : 'uz';
}
