/**
 * For the tests of what this page says: a `DiscrepancyFormat` per language over the whole
 * dictionaries, with dates written as markers (`D(…)`, `DT(…)`) so a test sees which date went where.
 */
import { en } from '../../i18n/en';
import { ru } from '../../i18n/ru';
import { translatorFor } from '../../i18n/translator';
import { type Dictionary, uz } from '../../i18n/uz';
import type { DiscrepancyFormat } from './discrepancy-text';

const format = (lang: 'uz' | 'ru' | 'en', dict: Dictionary, locale: string): DiscrepancyFormat => ({
  lang,
  t: translatorFor(dict, locale),
  date: (iso) => (iso ? `D(${iso})` : '—'),
  dateTime: (iso) => (iso ? `DT(${iso.slice(0, 16)})` : '—'),
});

export const FORMATS = { uz: format('uz', uz, 'uz-Latn-UZ'), ru: format('ru', ru, 'ru-RU'), en: format('en', en, 'en-GB') };
