/**
 * A saved activation report's discrepancies as a CSV file in the page's language: the headers from
 * the dictionaries, each row's kind and details said as the page's table says them
 * (discrepancy-text.ts), dates as the page writes them. The server's `?format=csv` stays English,
 * for API clients; this one is for the admin's Excel, written by the same rules as the API's
 * (common/src/excel-csv.ts: a UTF-8 BOM, `;`, CRLF, formulas disarmed).
 *
 *   const text = discrepanciesCsv({ lang, t, date, dateTime }, rows);
 */
import { excelCsvFile } from '../../../../common/src/excel-csv';
import { type ActivationReportDiscrepancy, SIM_STATUSES, type SimStatus } from '../../api/models';
import { type DiscrepancyFormat, discrepancyKindKey, discrepancyText } from './discrepancy-text';

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
  return excelCsvFile([
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
