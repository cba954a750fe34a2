/**
 * A discrepancy of an activation report in the page's language, in its table and its CSV. The
 * API's `reason` is English (for API clients and the server's `?format=csv`); the sentence is made
 * from the discrepancy's `code` and `params` (the report's own codes:
 * services/main-api/src/import/report-discrepancies.ts DISCREPANCY_CODES), and for a row the import's rules refuse, from each field's problem in
 * `problems` (validate-row's codes, said as the import's are: i18n/errors.ts reasonText). Never
 * from the English reason's wording, which may change. A discrepancy without a code (kept before
 * the server gave codes) or with a code this page does not know yet is said by its kind, from the
 * report's row and our record; never in English on a Uzbek or Russian page.
 */
import type { ActivationReportDiscrepancy } from '../../api/models';
import { fieldKeys, reasonCodeKeys, reasonText } from '../../i18n/errors';
import type { Lang } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/uz';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;
type Params = Record<string, string | number>;

export interface DiscrepancyFormat {
  lang: Lang;
  t: Translate;
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
}

const text = (v: unknown): string => (v === null || v === undefined || v === '' ? '—' : String(v));
const iso = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
/**
 * A dealer day (`2026-11-30`) as the page writes a date: taken at its noon UTC, so that the
 * browser's zone (within ±12 h) shows the same day.
 */
const day = (f: DiscrepancyFormat, v: unknown): string =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? f.date(`${v}T12:00:00Z`) : text(v);

/** The report's own codes: each its sentence, its params filled in (dates in the page's format). */
const byCode: Record<string, (f: DiscrepancyFormat, p: Params) => string> = {
  'iccid.unknown': (f) => f.t('activation.why.unknown_iccid'),
  'simcard.in_stock': (f) => f.t('activation.why.activated_in_stock'),
  'sale.other_day': (f, p) => f.t('activation.why.sold_on_other_date', { ours: day(f, p.ours), report: day(f, p.report) }),
  'msisdn.differs': (f, p) => f.t('activation.why.other_msisdn', { ours: text(p.ours), report: text(p.report) }),
  'operator.differs': (f, p) => f.t('activation.why.other_operator', { ours: text(p.ours), report: text(p.report) }),
  'operator.not_the_reports': (f, p) =>
    f.t('activation.why.not_the_reports', { ours: text(p.ours), report: text(p.report), row: text(p.row) }),
  'sale.before_assignment': (f, p) =>
    f.t('activation.why.activated_before_assignment', {
      activated: f.dateTime(iso(p.activated_at)),
      assigned: f.dateTime(iso(p.assigned_at)),
    }),
  'iccid.repeated_in_file': (f, p) => f.t('activation.why.repeated', { line: text(p.first_line) }),
  'activated_at.missing': (f) => f.t('activation.why.date_missing'),
  'activated_at.not_date': (f, p) => f.t('activation.why.date_invalid', { value: text(p.value) }),
  'activated_at.not_calendar_date': (f, p) => f.t('activation.why.date_not_calendar', { value: text(p.value) }),
  'activated_at.future': (f, p) => f.t('activation.why.date_future', { value: text(p.value) }),
  'activated_at.before_min_year': (f, p) => f.t('activation.why.date_old', { value: text(p.value), year: text(p.min_year) }),
};

/** A kind's label (`activation.kind.unknown_iccid`: "Unknown ICCID"), in the table and the CSV alike. */
export const discrepancyKindKey = (kind: string) => `activation.kind.${kind}` as MessageKey;

/** The codes this page says (its test checks each server code is one of them). */
export const DISCREPANCY_CODES_SAID = Object.keys(byCode);

type Problem = NonNullable<ActivationReportDiscrepancy['problems']>[number];

/** A field's problem in a refused row: "ICCID: …", by its code; a code not known here names the field only. */
function problemText(f: DiscrepancyFormat, p: Problem): string {
  const field = p.field && fieldKeys[p.field] ? f.t(fieldKeys[p.field]!) : text(p.field);
  if (p.code && reasonCodeKeys[p.code]) return `${field}: ${reasonText(f.t, { reason: p.reason, code: p.code, params: p.params })}`;
  return f.lang === 'en' ? `${p.field}: ${p.reason}` : f.t('activation.why.field_unreadable', { field });
}

/** By its kind, from the report's row and our record: a discrepancy without a code the page knows. */
function byKind(f: DiscrepancyFormat, d: ActivationReportDiscrepancy): string {
  const { t, date, dateTime } = f;
  const report = d.report ?? {};
  const ours = d.ours ?? {};
  switch (d.kind) {
    case 'unknown_iccid':
      return t('activation.why.unknown_iccid');
    case 'activated_in_stock':
      return t('activation.why.activated_in_stock');
    case 'other_operator':
      return t('activation.why.other_operator', { ours: text(ours.operator), report: text(report.operator) });
    case 'other_msisdn':
      return t('activation.why.other_msisdn', { ours: text(ours.msisdn), report: text(report.msisdn) });
    case 'sold_on_other_date':
      return t('activation.why.sold_on_other_date', { ours: date(iso(ours.sold_at)), report: date(iso(report.activated_at)) });
    case 'activated_before_assignment':
      return t('activation.why.activated_before_assignment', {
        activated: dateTime(iso(report.activated_at)),
        assigned: dateTime(iso(ours.assigned_at)),
      });
    case 'invalid_row':
      // Kept before codes were given: the English page keeps the server's words.
      return f.lang === 'en' ? d.reason : t('activation.why.unreadable');
    default:
      // A kind a newer server has and this page does not know yet.
      return f.lang === 'en' ? d.reason : t('activation.why.disagrees');
  }
}

/** The discrepancy's details, in the page's language. */
export function discrepancyText(f: DiscrepancyFormat, d: ActivationReportDiscrepancy): string {
  if (d.problems && d.problems.length > 0) return d.problems.map((p) => problemText(f, p)).join('; ');
  const said = d.code ? byCode[d.code] : undefined;
  if (said) return said(f, d.params ?? {});
  if (d.code && reasonCodeKeys[d.code]) return reasonText(f.t, { reason: d.reason, code: d.code, params: d.params });
  return byKind(f, d);
}
