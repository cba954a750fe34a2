/**
 * The discrepancies' CSV the page makes is in the page's language: the headers, kinds and details
 * from the dictionaries, never the API's English reason; written by common's Excel CSV rules
 * (common/src/excel-csv.test.ts), read back here as Excel reads them.
 */
import { excelCsvRecords } from '../../../../tests/fixtures/excel-csv';
import type { ActivationReportDiscrepancy } from '../../api/models';
import { ru } from '../../i18n/ru';
import { uz } from '../../i18n/uz';
import { discrepanciesCsv } from './discrepancies-csv';
import { FORMATS } from './formats-for-tests';

const f = FORMATS;

const ICCID = '8999871000000000035';
const row = (over: Partial<ActivationReportDiscrepancy>): ActivationReportDiscrepancy => ({
  line: 4,
  iccid: ICCID,
  kind: 'other_msisdn',
  simcard_id: 7,
  reason: 'our record has +998901112233, the report +998901112244',
  code: 'msisdn.differs',
  params: { ours: '+998901112233', report: '+998901112244' },
  report: { activated_at: '2026-11-30T09:05:00.000Z', msisdn: '+998901112244', operator: 'beeline' },
  ours: { status: 'sold', operator: 'beeline', msisdn: '+998901112233', sold_at: '2026-11-29T07:00:00.000Z' },
  ...over,
});

describe('the discrepancies in the page’s language', () => {
  const rows = [
    row({}),
    row({
      line: 6,
      iccid: '=cmd|" /c calc"!A1',
      kind: 'unknown_iccid',
      simcard_id: null,
      reason: 'this ICCID is not in our records',
      code: 'iccid.unknown',
      params: {},
      report: { activated_at: 'вчера; днём', msisdn: null },
      ours: null,
    }),
  ];

  it('in Russian: Russian headers, kinds, details and statuses, the dates as the page writes them, no English reason', () => {
    const [header, first, second, ...rest] = excelCsvRecords(discrepanciesCsv(f.ru, rows).slice(1));
    expect(rest).toEqual([]);
    expect(header).toEqual([
      'Строка',
      'ICCID',
      ru['activation.kind'],
      ru['activation.reason'],
      'Активирована (по отчёту)',
      'Номер телефона (по отчёту)',
      'Статус (у нас)',
      'Номер телефона (у нас)',
      'Продана (у нас)',
    ]);
    expect(first).toEqual([
      '4',
      ICCID,
      ru['activation.kind.other_msisdn'],
      'У нас номер +998901112233, в отчёте — +998901112244',
      'DT(2026-11-30T09:05)',
      '+998901112244',
      'Продана',
      '+998901112233',
      'DT(2026-11-29T07:00)',
    ]);
    // A formula in the report's ICCID column is disarmed; the report's unreadable date is kept as it wrote it.
    expect(second).toEqual([
      '6',
      `'=cmd|" /c calc"!A1`,
      ru['activation.kind.unknown_iccid'],
      ru['activation.why.unknown_iccid'],
      'вчера; днём',
      '',
      '',
      '',
      '',
    ]);
  });

  it('in Uzbek: Uzbek headers and details, with the modifier letter ʻ intact', () => {
    const [header, first] = excelCsvRecords(discrepanciesCsv(f.uz, rows).slice(1));
    expect(header!.slice(0, 4)).toEqual(['Qator', 'ICCID', 'Nima', 'Tafsilotlar']);
    expect(header![6]).toBe('Holati (bizda)');
    expect(first![2]).toBe(uz['activation.kind.other_msisdn']);
    expect(first![3]).toBe('Bizda raqam +998901112233, hisobotda +998901112244');
    expect(first![6]).toBe('Sotilgan');
    expect(discrepanciesCsv(f.uz, [row({ kind: 'activated_before_assignment', code: undefined, params: undefined })])).toContain(
      'Doʻkonga',
    );
  });

  it('the English reason is never written on a Russian or Uzbek page', () => {
    for (const lang of ['ru', 'uz'] as const) {
      const text = discrepanciesCsv(f[lang], rows);
      for (const d of rows) expect(text).not.toContain(d.reason);
      expect(text).not.toMatch(/\b(line|reason|kind|our_status)\b/);
    }
  });
});
