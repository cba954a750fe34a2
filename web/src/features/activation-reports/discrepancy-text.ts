/**
 * A discrepancy of an activation report in the page's language. The API's `reason` is English
 * (for API clients and the CSV download) and carries no code, so the sentence is made here from
 * what the discrepancy holds: its kind, the report's row and our record. A row the server could
 * not read is told from its reason's shape (the field it names, a date, a repeated ICCID); an
 * ICCID refused is checked again with the server's own rule (common/src/identifiers.ts), which
 * says precisely why. A reason of an unknown shape is said as "the row could not be read", never
 * in English on a Uzbek or Russian page (the English page shows the server's words).
 */
import { appendCheckDigit, parseIccid } from '../../../../common/src/identifiers';
import type { ActivationReportDiscrepancy } from '../../api/models';
import { fieldKeys, type Reasoned, reasonText } from '../../i18n/errors';
import type { Lang } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/uz';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export interface DiscrepancyFormat {
  lang: Lang;
  t: Translate;
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
  /** The report was checked with "the ICCIDs lack their check digit". */
  checkDigitAbsent?: boolean;
}

const text = (v: unknown): string => (v === null || v === undefined || v === '' ? '—' : String(v));
const iso = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** Why an ICCID cell is refused, by the server's rule (validate-row.ts iccidFor), in the page's language; null when it is valid. */
function iccidReason(t: Translate, iccid: string, checkDigitAbsent: boolean): string | null {
  const digits = iccid.replace(/[\s-]/g, '');
  if (!checkDigitAbsent) {
    const r = parseIccid(iccid);
    return r.ok ? null : reasonText(t, r);
  }
  if (!/^\d+$/.test(digits)) return t('reason.iccid.not_digits');
  if (digits.length !== 18 && digits.length !== 19) return t('reason.iccid.length_without_check_digit', { count: digits.length });
  const r = parseIccid(appendCheckDigit(digits));
  return r.ok ? null : reasonText(t, r);
}

/** A row the server could not read: `field: reason; field: reason`, a date's problem, or an ICCID listed again. */
function unreadable(f: DiscrepancyFormat, d: ActivationReportDiscrepancy): string {
  const { t } = f;
  const coded = d as ActivationReportDiscrepancy & Partial<Reasoned>;
  if (coded.code) return reasonText(t, coded as Reasoned);
  const reason = d.reason.trim();
  const repeated = /^the ICCID is listed again \(first at line (\d+)\)$/.exec(reason);
  if (repeated) return t('activation.why.repeated', { line: repeated[1]! });
  if (/^the activation date is missing$/.test(reason)) return t('activation.why.date_missing');
  const date = /^the activation date (.+?) is (in the future|before \d+|not a (?:calendar )?date)\b/.exec(reason);
  if (date) {
    const value = date[1]!;
    if (date[2] === 'in the future') return t('activation.why.date_future', { value });
    if (date[2]!.startsWith('before')) return t('activation.why.date_old', { value });
    return t('activation.why.date_invalid', { value });
  }
  // validate-row.ts's problems, joined: "iccid: must be 19 or 20 digits, got 16; price: …".
  const parts = reason.split('; ').map((part) => /^(\w+): /.exec(part)?.[1]);
  if (parts.length > 0 && parts.every((field) => field !== undefined && fieldKeys[field])) {
    return parts
      .map((field) => {
        const precise = field === 'iccid' && d.iccid ? iccidReason(t, d.iccid, f.checkDigitAbsent ?? false) : null;
        return precise ? `${t('field.iccid')}: ${precise}` : t('activation.why.field_unreadable', { field: t(fieldKeys[field!]!) });
      })
      .join('; ');
  }
  return f.lang === 'en' ? reason : t('activation.why.unreadable');
}

/** The discrepancy's details, in the page's language. */
export function discrepancyText(f: DiscrepancyFormat, d: ActivationReportDiscrepancy): string {
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
      return unreadable(f, d);
    default:
      return f.lang === 'en' ? d.reason : t(`activation.kind.${String(d.kind)}` as MessageKey);
  }
}
