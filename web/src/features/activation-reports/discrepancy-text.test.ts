/**
 * An activation report's discrepancies are said in the page's language (uz, ru), never in the
 * API's English `reason`: from their kind and data, and for a row the server could not read,
 * from its reason's shape. The date reasons are the server's own (parseActivationDate), so that a
 * change of their wording shows here rather than as a vague "the row could not be read".
 */
import { parseActivationDate } from '../../../../services/main-api/src/services/activation-reports';
import type { ActivationReportDiscrepancy } from '../../api/models';
import { en } from '../../i18n/en';
import { withPlurals } from '../../i18n/plural';
import { ru } from '../../i18n/ru';
import { type Dictionary, type MessageKey, uz } from '../../i18n/uz';
import { type DiscrepancyFormat, discrepancyText } from './discrepancy-text';

const translator =
  (dict: Dictionary, locale: string) =>
  (key: MessageKey, vars?: Record<string, string | number>): string => {
    const text = dict[key] ?? key;
    if (!vars) return text;
    return withPlurals(locale, text, vars).replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
const format = (lang: 'uz' | 'ru' | 'en', dict: Dictionary, locale: string): DiscrepancyFormat => ({
  lang,
  t: translator(dict, locale),
  date: (iso) => (iso ? `D(${iso.slice(0, 10)})` : '—'),
  dateTime: (iso) => (iso ? `DT(${iso.slice(0, 16)})` : '—'),
});
const f = { uz: format('uz', uz, 'uz-Latn-UZ'), ru: format('ru', ru, 'ru-RU'), en: format('en', en, 'en-GB') };

const ICCID = '8999871000000000035';
function discrepancy(over: Partial<ActivationReportDiscrepancy>): ActivationReportDiscrepancy {
  return { line: 2, iccid: ICCID, kind: 'unknown_iccid', simcard_id: null, reason: 'x', report: {}, ours: null, ...over };
}
/** Two English function words: the server's sentence left on the page. */
const english = /\b(the|is|not|our|was|never|before|must|be|in)\b.*\b(the|is|not|our|was|never|before|must|be|in)\b/;

describe("an activation report's discrepancies in the page's language", () => {
  const cases: Array<[string, ActivationReportDiscrepancy]> = [
    ['unknown', discrepancy({ kind: 'unknown_iccid', reason: 'this ICCID is not in our records' })],
    ['in stock', discrepancy({ kind: 'activated_in_stock', reason: 'the SIM is in our stock: it was never handed to a shop' })],
    [
      'another operator',
      discrepancy({
        kind: 'other_operator',
        reason: "our record says beeline, the report is ucell's",
        report: { operator: 'ucell' },
        ours: { operator: 'beeline' },
      }),
    ],
    [
      'another number',
      discrepancy({
        kind: 'other_msisdn',
        reason: 'our record has +998901112233, the report +998901112244',
        report: { msisdn: '+998901112244' },
        ours: { msisdn: '+998901112233' },
      }),
    ],
    [
      'another day',
      discrepancy({
        kind: 'sold_on_other_date',
        reason: 'we have it sold on 2026-12-01, the report on 2026-12-02',
        report: { activated_at: '2026-12-02T05:00:00.000Z' },
        ours: { sold_at: '2026-12-01T05:00:00.000Z' },
      }),
    ],
    [
      'before the shop had it',
      discrepancy({
        kind: 'activated_before_assignment',
        reason: 'activated 2026-12-06T08:26:00.000Z, before it reached the shop (2026-12-06T09:26:04.661Z)',
        report: { activated_at: '2026-12-06T08:26:00.000Z' },
        ours: { assigned_at: '2026-12-06T09:26:04.661Z' },
      }),
    ],
    ['listed twice', discrepancy({ kind: 'invalid_row', reason: 'the ICCID is listed again (first at line 2)' })],
    [
      'an ICCID too short',
      discrepancy({ kind: 'invalid_row', iccid: '8999871000000000', reason: 'iccid: must be 19 or 20 digits, got 16' }),
    ],
    ['a price unreadable', discrepancy({ kind: 'invalid_row', reason: 'price: must be a non-negative amount in soʻm' })],
    ['something new', discrepancy({ kind: 'invalid_row', reason: 'the row is strange in a way not seen before' })],
  ];

  test.each(cases)('%s: no English on a Uzbek or Russian page', (_name, d) => {
    for (const lang of ['uz', 'ru'] as const) {
      const text = discrepancyText(f[lang], d);
      expect([lang, text, english.test(text)]).toEqual([lang, text, false]);
      expect(text).not.toContain(d.reason);
      expect(text).not.toMatch(/\{\w+\}|activation\.why/);
    }
  });

  test('the data is in the sentence: operators, numbers, dates, the line', () => {
    expect(discrepancyText(f.ru, cases[2]![1])).toBe('У нас записан оператор beeline, в отчёте — ucell (не отмечена проданной)');
    expect(discrepancyText(f.uz, cases[3]![1])).toContain('+998901112233');
    expect(discrepancyText(f.uz, cases[4]![1])).toBe('Bizda D(2026-12-01) kuni sotilgan, hisobotda D(2026-12-02)');
    expect(discrepancyText(f.ru, cases[5]![1])).toContain('DT(2026-12-06T08:26)');
    expect(discrepancyText(f.uz, cases[6]![1])).toBe(uz['activation.why.repeated'].replace('{line}', '2'));
  });

  test("an ICCID refused is told precisely, by the server's own rule; with the check digit absent, as the server counts", () => {
    expect(discrepancyText(f.ru, cases[7]![1])).toBe(`ICCID: ${ru['reason.iccid.length'].replace('{count}', '16')}`);
    const short = discrepancy({ kind: 'invalid_row', iccid: '89998710', reason: 'iccid: with check_digit=absent …' });
    expect(discrepancyText({ ...f.uz, checkDigitAbsent: true }, short)).toBe(
      `ICCID: ${uz['reason.iccid.length_without_check_digit'].replace('{count}', '8')}`,
    );
    expect(discrepancyText(f.uz, cases[8]![1])).toBe(uz['activation.why.field_unreadable'].replace('{field}', uz['field.price']));
  });

  test("the server's date reasons, each said in the language with the value written", () => {
    const now = Date.parse('2026-12-06T10:00:00Z');
    const reasons = ['', 'tomorrow', '31.02.2026', '30.12.2026'].map((cell) => {
      const parsed = parseActivationDate(cell, 'Asia/Tashkent', now);
      if (parsed.ok) throw new Error(`${cell} was read as a date`);
      return parsed.reason;
    });
    // A year written short (a newer server refuses it so).
    reasons.push('the activation date "30.11.0026" is before 2000: write the year in full (30.11.2026)');
    for (const lang of ['uz', 'ru'] as const) {
      const texts = reasons.map((reason) => discrepancyText(f[lang], discrepancy({ kind: 'invalid_row', reason })));
      expect(texts[0]).toBe(f[lang].t('activation.why.date_missing'));
      for (const text of texts.slice(1)) {
        expect(text).not.toBe(f[lang].t('activation.why.unreadable'));
        expect(english.test(text)).toBe(false);
      }
      expect(texts[2]).toContain('"31.02.2026"');
    }
  });

  test("an unknown shape: a sentence in the language; the English page keeps the server's words", () => {
    expect(discrepancyText(f.ru, cases[9]![1])).toBe(ru['activation.why.unreadable']);
    expect(discrepancyText(f.en, cases[9]![1])).toBe('the row is strange in a way not seen before');
  });
});
