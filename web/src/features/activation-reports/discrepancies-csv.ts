/**
 * A saved activation report's discrepancies as a CSV file in the page's language: the headers from
 * the dictionaries, each row's kind and details said as the page's table says them
 * (discrepancy-text.ts), dates as the page writes them. The server's `?format=csv` stays English,
 * for API clients; this one is for the admin's Excel. Written as the SIM export writes its CSV
 * (services/main-api/src/services/export-people.ts) for Uzbek and Russian Excel: a UTF-8 BOM, `;`
 * between fields (Excel in those locales splits on `;`), CRLF line ends, and text a spreadsheet
 * would run as a formula given a leading apostrophe.
 *
 *   const text = discrepanciesCsv({ lang, t, date, dateTime }, rows);
 */
import { type ActivationReportDiscrepancy, SIM_STATUSES, type SimStatus } from '../../api/models';
import { type DiscrepancyFormat, discrepancyKindKey, discrepancyText } from './discrepancy-text';

const SEP = ';';
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number (a phone number `+998901234567`, a negative count) is data, not a formula: written as it is. */
const PLAIN_NUMBER = /^[+-]?\d+$/;

/** One field: a formula start disarmed with an apostrophe, quoted (quotes doubled) when it holds `;`, `"` or a line break. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[";\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The whole file: the BOM, then each line's fields joined by `;`, each line ended by CRLF. */
export function csvFile(lines: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return `\uFEFF${lines.map((fields) => `${fields.map(csvCell).join(SEP)}\r\n`).join('')}`;
}

const value = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
/** An instant (`2026-11-30T09:05:00.000Z`) as the page writes it; anything else (a row's unreadable date) as the report wrote it. */
const when = (f: DiscrepancyFormat, v: unknown): string | null =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)) ? f.dateTime(v) : value(v);
const status = (f: DiscrepancyFormat, v: unknown): string | null =>
  typeof v === 'string' && (SIM_STATUSES as readonly string[]).includes(v) ? f.t(`status.${v as SimStatus}`) : value(v);

/** The columns of the server's CSV, in the same order, headed in the page's language. */
export function discrepanciesCsv(f: DiscrepancyFormat, rows: readonly ActivationReportDiscrepancy[]): string {
  const { t } = f;
  const header = [
    t('activation.line'),
    t('field.iccid'),
    t('activation.kind'),
    t('activation.reason'),
    t('activation.csv.report_activated_at'),
    t('activation.csv.report_msisdn'),
    t('activation.csv.our_status'),
    t('activation.csv.our_msisdn'),
    t('activation.csv.our_sold_at'),
  ];
  return csvFile([
    header,
    ...rows.map((d) => [
      d.line,
      d.iccid,
      t(discrepancyKindKey(d.kind)),
      discrepancyText(f, d),
      when(f, d.report.activated_at),
      value(d.report.msisdn),
      status(f, d.ours?.status),
      value(d.ours?.msisdn),
      when(f, d.ours?.sold_at),
    ]),
  ]);
}
