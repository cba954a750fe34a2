/**
 * An activation report's discrepancies are said in the page's language (uz, ru, en) from their
 * `code` and `params`, never from the API's English `reason`: every code the server has is said,
 * with its params filled in; a row the import's rules refuse is said field by field by validate-row's
 * own codes; the reason's wording plays no part. A discrepancy kept before codes were given is said
 * by its kind. The codes and params come from the server's own functions (parseActivationDate,
 * validateRow), so a change there shows here.
 */
import { DISCREPANCY_CODES } from '../../../../services/main-api/src/import/report-discrepancies';
import { parseActivationDate } from '../../../../services/main-api/src/import/report-file';
import { validateRow } from '../../../../services/main-api/src/import/validate-row';
import type { ActivationReportDiscrepancy } from '../../api/models';
import { ru } from '../../i18n/ru';
import { uz } from '../../i18n/uz';
import { DISCREPANCY_CODES_SAID, discrepancyText } from './discrepancy-text';
import { FORMATS } from './formats-for-tests';

const f = FORMATS;

const ICCID = '8999871000000000035';
function discrepancy(over: Partial<ActivationReportDiscrepancy>): ActivationReportDiscrepancy {
  return { line: 2, iccid: ICCID, kind: 'invalid_row', simcard_id: null, reason: 'x', report: {}, ours: null, ...over };
}
/** Two English function words: the server's sentence left on the page. */
const english = /\b(the|is|not|our|was|never|before|must|be|in)\b.*\b(the|is|not|our|was|never|before|must|be|in)\b/;

/** Each server code with params of every name it carries (services/main-api/src/import/report-discrepancies.ts). */
const samples: Record<string, Record<string, string | number>> = {
  'iccid.unknown': {},
  'simcard.in_stock': {},
  'sale.other_day': { ours: '2026-11-20', report: '2026-11-30' },
  'msisdn.differs': { ours: '+998901112233', report: '+998901112244' },
  'operator.differs': { ours: 'beeline', report: 'ucell' },
  'operator.not_the_reports': { ours: 'ucell', report: 'beeline', row: 'ucell' },
  'sale.before_assignment': { activated_at: '2026-11-30T10:00:00.000Z', assigned_at: '2026-12-01T08:00:00.000Z' },
  'iccid.repeated_in_file': { first_line: 9 },
  'activated_at.missing': {},
  'activated_at.not_date': { value: 'soon' },
  'activated_at.not_calendar_date': { value: '31.02.2026' },
  'activated_at.future': { value: '30.11.2099' },
  'activated_at.before_min_year': { value: '30.11.0026', min_year: 2000 },
};

describe("an activation report's discrepancies in the page's language, by code", () => {
  test('every code the server has is said in uz, ru and en, every placeholder filled, no English on a uz or ru page', () => {
    expect([...DISCREPANCY_CODES].sort()).toEqual([...DISCREPANCY_CODES_SAID].sort());
    expect(Object.keys(samples).sort()).toEqual([...DISCREPANCY_CODES].sort());
    for (const code of DISCREPANCY_CODES) {
      const d = discrepancy({ code, params: samples[code], reason: 'the English reason the server wrote' });
      for (const lang of ['uz', 'ru', 'en'] as const) {
        const text = discrepancyText(f[lang], d);
        expect([code, lang, /\{\w+\}|activation\.why|English/.test(text)]).toEqual([code, lang, false]);
        if (lang !== 'en') expect([code, lang, text, english.test(text)]).toEqual([code, lang, text, false]);
        // The params are in the sentence (a day and an instant in the page's own format).
        for (const [name, value] of Object.entries(samples[code]!)) {
          const shown = name === 'activated_at' || name === 'assigned_at' ? `DT(${String(value).slice(0, 16)})` : String(value);
          const expected = code === 'sale.other_day' ? `D(${String(value)}T12:00:00Z)` : shown;
          expect([code, lang, name, text.includes(expected)]).toEqual([code, lang, name, true]);
        }
      }
    }
  });

  test('the sentence follows the code, not the English reason: a reworded reason reads the same', () => {
    const d = discrepancy({
      code: 'iccid.repeated_in_file',
      params: { first_line: 12 },
      reason: 'the ICCID is listed again (first at line 12)',
    });
    const reworded = { ...d, reason: 'duplicate of row 12' };
    for (const lang of ['uz', 'ru', 'en'] as const) expect(discrepancyText(f[lang], reworded)).toBe(discrepancyText(f[lang], d));
    expect(discrepancyText(f.uz, d)).toBe(uz['activation.why.repeated'].replace('{line}', '12'));
    expect(discrepancyText(f.ru, discrepancy({ code: 'operator.differs', params: { ours: 'beeline', report: 'ucell' } }))).toBe(
      'У нас записан оператор beeline, в отчёте — ucell (не отмечена проданной)',
    );
  });

  test("the server's date codes, each its own sentence with the value written", () => {
    const now = Date.parse('2026-12-06T10:00:00Z');
    const cells = ['', 'tomorrow', '31.02.2026', '30.12.2026', '30.11.0026', 19000];
    const texts = cells.map((cell) => {
      const parsed = parseActivationDate(cell, 'Asia/Tashkent', now);
      if (parsed.ok) throw new Error(`${cell} was read as a date`);
      return {
        code: parsed.code,
        ru: discrepancyText(f.ru, discrepancy({ code: parsed.code, params: parsed.params, reason: parsed.reason })),
      };
    });
    expect(texts.map((x) => x.code)).toEqual([
      'activated_at.missing',
      'activated_at.not_date',
      'activated_at.not_calendar_date',
      'activated_at.future',
      'activated_at.before_min_year',
      'activated_at.not_date',
    ]);
    expect(texts.map((x) => x.ru)).toEqual([
      ru['activation.why.date_missing'],
      ru['activation.why.date_invalid'].replace('{value}', 'tomorrow'),
      ru['activation.why.date_not_calendar'].replace('{value}', '31.02.2026'),
      ru['activation.why.date_future'].replace('{value}', '30.12.2026'),
      ru['activation.why.date_old'].replace('{value}', '30.11.0026').replace('{year}', '2000'),
      ru['activation.why.date_invalid'].replace('{value}', '19000'),
    ]);
  });

  test("a row the import's rules refuse: each field said by validate-row's own code, the advice its hint names", () => {
    const refused = (cells: Record<string, string>, checkDigitAbsent = false) => {
      const r = validateRow({ line: 2, cells }, { checkDigitAbsent });
      if (r.ok) throw new Error('the row was valid');
      return discrepancy({ code: r.problems[0]!.code, params: r.problems[0]!.params ?? {}, problems: r.problems, reason: 'x' });
    };
    const short = refused({ iccid: '8999871000000000' });
    expect(discrepancyText(f.ru, short)).toBe(`ICCID: ${ru['reason.iccid.length'].replace('{count}', '16')}`);
    const two = refused({ iccid: '89998710000000000x', price: '12.5' });
    expect(discrepancyText(f.uz, two)).toBe(
      `ICCID: ${uz['reason.iccid.not_digits']}; ${uz['field.price']}: ${uz['reason.price.not_whole']}`,
    );
    // 18 digits: the operator's file left off the check digit; the page says which box to tick.
    const noCheckDigit = refused({ iccid: '899987100000000003' });
    expect(discrepancyText(f.uz, noCheckDigit)).toContain(uz['import.no_check_digit']);
    const absent = refused({ iccid: '89998710' }, true);
    expect(discrepancyText(f.uz, absent)).toBe(`ICCID: ${uz['reason.iccid.length_without_check_digit'].replace('{count}', '8')}`);
    // A field's code this page does not know yet: the field named, not the server's English.
    const newer = discrepancy({ problems: [{ field: 'tariff', reason: 'is strange', code: 'tariff.strange' }] });
    expect(discrepancyText(f.ru, newer)).toBe(ru['activation.why.field_unreadable'].replace('{field}', ru['field.tariff']));
    expect(discrepancyText(f.en, newer)).toBe('tariff: is strange');
  });

  describe('a discrepancy without a code (kept before codes were given) is said by its kind', () => {
    test('from the report and our record', () => {
      const other = discrepancy({ kind: 'other_msisdn', report: { msisdn: '+998901112244' }, ours: { msisdn: '+998901112233' } });
      expect(discrepancyText(f.uz, other)).toBe(
        uz['activation.why.other_msisdn'].replace('{ours}', '+998901112233').replace('{report}', '+998901112244'),
      );
      const before = discrepancy({
        kind: 'activated_before_assignment',
        report: { activated_at: '2026-12-06T08:26:00.000Z' },
        ours: { assigned_at: '2026-12-06T09:26:04.661Z' },
      });
      expect(discrepancyText(f.ru, before)).toContain('DT(2026-12-06T08:26)');
      expect(discrepancyText(f.ru, discrepancy({ kind: 'unknown_iccid', reason: 'this ICCID is not in our records' }))).toBe(
        ru['activation.why.unknown_iccid'],
      );
    });

    test("an unreadable row: a sentence in the language; the English page keeps the server's words", () => {
      const old = discrepancy({ kind: 'invalid_row', reason: 'iccid: must be 19 or 20 digits, got 16' });
      expect(discrepancyText(f.ru, old)).toBe(ru['activation.why.unreadable']);
      expect(discrepancyText(f.uz, old)).toBe(uz['activation.why.unreadable']);
      expect(discrepancyText(f.en, old)).toBe('iccid: must be 19 or 20 digits, got 16');
    });

    test('a code this page does not know yet is said by its kind too', () => {
      const newer = discrepancy({ kind: 'activated_in_stock', code: 'simcard.somewhere_new', params: { x: 1 } });
      expect(discrepancyText(f.ru, newer)).toBe(ru['activation.why.activated_in_stock']);
    });
  });
});
