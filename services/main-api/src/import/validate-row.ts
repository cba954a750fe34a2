/**
 * One imported row → a SIM to insert, or the reasons it cannot be. Identifier rules are SPEC's
 * (common/src/identifiers.ts); what is added here is what spreadsheets do to them: ICCIDs Excel
 * turned into `8.99E+18`, files without the Luhn check digit, prices written as `15 000 so'm`.
 */
import { appendCheckDigit, operatorForMsisdn, parseIccid, parseMsisdn } from '@simcard/common';
import type { importsRepository } from '@simcard/db';
import type { CellValue, Problem, SourceRow } from './source-row.js';

/** A row that passed: what is staged and inserted. */
export type ValidRow = importsRepository.StagedRow;

export type RowResult = { ok: true; row: ValidRow; warnings: Problem[] } | { ok: false; problems: Problem[] };

export interface RowOptions {
  /** `?check_digit=absent`: the file's ICCIDs lack their Luhn digit; it is computed and appended. */
  checkDigitAbsent: boolean;
}

export const CHECK_DIGIT_HINT = 'if the operator\u2019s file leaves off the Luhn check digit, import it with ?check_digit=absent';

const EXCEL_MANGLED =
  'Excel turned this ICCID into a number in scientific notation (like 8.99E+18) and lost its last digits: format the column as Text (or save the original file as CSV without opening it in Excel) and import again';

const SCIENTIFIC = /^\d+([.,]\d+)?e\+?\d+$/i;

/** Russian and Uzbek spellings people type in the operator column. */
const OPERATOR_NAMES: Record<string, string> = {
  билайн: 'beeline',
  beeline: 'beeline',
  юселл: 'ucell',
  юсел: 'ucell',
  ucell: 'ucell',
  узмобайл: 'uzmobile',
  uzmobile: 'uzmobile',
  мобиуз: 'mobiuz',
  mobiuz: 'mobiuz',
  хуманс: 'humans',
  humans: 'humans',
  перфектум: 'perfectum',
  perfectum: 'perfectum',
};

function text(cell: CellValue | undefined): string {
  if (cell === null || cell === undefined) return '';
  return typeof cell === 'number' ? String(cell) : cell.trim();
}

const PLAIN_DIGITS = /^\d+$/;
const E164_UZ = /^\+998\d{9}$/;

function iccidFor(cell: CellValue | undefined, options: RowOptions): { ok: true; value: string } | { ok: false; reason: string } {
  // The common case first, without the normalizing below (a hot path: every row of every import).
  if (typeof cell === 'string' && !options.checkDigitAbsent && (cell.length === 19 || cell.length === 20) && PLAIN_DIGITS.test(cell)) {
    const parsed = parseIccid(cell);
    if (parsed.ok) return parsed;
  }
  if (cell === null || cell === undefined || text(cell) === '') return { ok: false, reason: 'is missing' };
  // A number this large has already lost digits (doubles keep about 15).
  if ((typeof cell === 'number' && cell >= 1e15) || SCIENTIFIC.test(text(cell))) return { ok: false, reason: EXCEL_MANGLED };
  const digits = text(cell).replace(/[\s-]/g, '');
  if (options.checkDigitAbsent) {
    if (!/^\d+$/.test(digits)) return { ok: false, reason: 'must contain only digits' };
    if (digits.length !== 18 && digits.length !== 19) {
      return { ok: false, reason: `with check_digit=absent an ICCID must be 18 or 19 digits (the check digit is appended), got ${digits.length}` };
    }
    return parseIccid(appendCheckDigit(digits));
  }
  const parsed = parseIccid(digits);
  if (!parsed.ok && /^\d+$/.test(digits) && (digits.length === 18 || /check digit/.test(parsed.reason))) {
    return { ok: false, reason: `${parsed.reason}; ${CHECK_DIGIT_HINT}` };
  }
  return parsed;
}

/** Whole so‘m: `15000`, `15 000`, `15,000.00`, `15000 so'm`. */
export function parsePrice(cell: CellValue): { ok: true; value: number } | { ok: false; reason: string } {
  let value: number;
  if (typeof cell === 'number') value = cell;
  else if (PLAIN_DIGITS.test(cell!)) value = Number(cell);
  else {
    const s = cell!
      .toLowerCase()
      .replace(/(so['‘’`]?m|сум|uzs|sum)\.?$/u, '')
      .replace(/[\s\u00a0']/g, '');
    // A comma before exactly three digits groups thousands; otherwise it is the decimal comma.
    const normalized = /,\d{3}(\D|$)/.test(s) ? s.replace(/,/g, '') : s.replace(',', '.');
    value = /^\d+(\.\d+)?$/.test(normalized) ? Number(normalized) : NaN;
  }
  if (!Number.isFinite(value) || value < 0) return { ok: false, reason: 'must be a non-negative amount in so\u2018m' };
  if (!Number.isInteger(value)) return { ok: false, reason: 'must be a whole number of so\u2018m' };
  if (value > 1_000_000_000) return { ok: false, reason: 'must be at most 1,000,000,000' };
  return { ok: true, value };
}

export function validateRow(source: SourceRow, options: RowOptions): RowResult {
  const { line, cells } = source;
  const problems: Problem[] = [];
  const iccid = iccidFor(cells.iccid, options);
  const shownIccid = iccid.ok ? iccid.value : text(cells.iccid).slice(0, 64) || null;
  const bad = (field: string, reason: string) => problems.push({ line, iccid: shownIccid, field, reason });
  if (!iccid.ok) bad('iccid', iccid.reason);

  let msisdn: string | null = null;
  const msisdnText = text(cells.msisdn);
  if (E164_UZ.test(msisdnText)) msisdn = msisdnText;
  else if (msisdnText) {
    const parsed = parseMsisdn(msisdnText);
    if (parsed.ok) msisdn = parsed.value;
    else bad('msisdn', parsed.reason);
  }

  let operator: string | null = null;
  const operatorText = text(cells.operator).toLowerCase();
  if (operatorText) {
    operator = OPERATOR_NAMES[operatorText] ?? operatorText;
    if (!/^[a-z0-9_-]{2,32}$/.test(operator)) bad('operator', 'must be 2-32 letters, digits, dashes or underscores (beeline, ucell, uzmobile, ...)');
  }

  const tariff = text(cells.tariff) || null;
  if (tariff !== null && (tariff.length > 64 || tariff.includes('\u0000'))) bad('tariff', 'must be at most 64 characters of text');

  let price: number | null = null;
  if (text(cells.price)) {
    const parsed = parsePrice(cells.price!);
    if (parsed.ok) price = parsed.value;
    else bad('price', parsed.reason);
  }

  if (!iccid.ok || problems.length > 0) return { ok: false, problems };

  const warnings: Problem[] = [];
  const rangeOperator = msisdn ? operatorForMsisdn(msisdn) : null;
  if (operator && rangeOperator && rangeOperator !== operator) {
    // Numbers can be ported between operators: worth a look, never a reason to refuse.
    warnings.push({ line, iccid: iccid.value, field: 'msisdn', reason: `${msisdn} is in ${rangeOperator}'s range but the row says ${operator} (a ported number?)` });
  }
  return {
    ok: true,
    // Without an operator, the number's range names one (as POST /simcards does).
    row: { line, iccid: iccid.value, msisdn, operator: operator ?? rangeOperator, tariff, price },
    warnings,
  };
}
