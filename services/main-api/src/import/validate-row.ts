/**
 * One imported row → a SIM to insert, or the reasons it cannot be. Identifier rules:
 * docs/domain.md#identifiers (common/src/identifiers.ts); what is added here is what
 * spreadsheets do to them: ICCIDs Excel turned into `8.99E+18`, files without the Luhn check
 * digit, prices written as `15 000 so'm`.
 */
import { appendCheckDigit, luhnValid, OPERATOR_PREFIXES, parseIccid, parseMsisdn } from '@simcard/common';
import type { importsRepository } from '@simcard/db';
import type { CellValue, Problem, SourceRow } from './source-row.js';

/** Why a cell is refused: English for API clients, a stable code and params for translation (web/src/i18n/errors.ts). */
export interface Refusal {
  ok: false;
  reason: string;
  code: string;
  params?: Record<string, string | number>;
}
const refuse = (reason: string, code: string, params?: Record<string, string | number>): Refusal => ({
  ok: false,
  reason,
  code,
  ...(params ? { params } : {}),
});

/** A row that passed: what is staged and inserted. */
export type ValidRow = importsRepository.StagedRow;

export type RowResult = { ok: true; row: ValidRow; warnings: Problem[] } | { ok: false; problems: Problem[] };

export interface RowOptions {
  /** `?check_digit=absent`: the file's ICCIDs lack their Luhn digit; it is computed and appended. */
  checkDigitAbsent: boolean;
}

/**
 * Added to a refusal that a file without check digits explains. The web app says what its screen
 * offers instead (params.hint = 'no_check_digit': "tick 'The ICCIDs lack their check digit'").
 */
export const CHECK_DIGIT_HINT =
  'if the operator\u2019s file leaves off the Luhn check digit, tick \u201cThe ICCIDs lack their check digit\u201d on the Import screen (check_digit=absent in the API)';

const EXCEL_MANGLED =
  'Excel turned this ICCID into a number in scientific notation (like 8.99E+18) and lost its last digits: format the column as Text (or save the original file as CSV without opening it in Excel) and import again';

const SCIENTIFIC = /^\d+([.,]\d+)?e\+?\d+$/i;

/**
 * Russian and Uzbek spellings people type in the operator column. A Map: a plain object would
 * answer `constructor` (and other Object.prototype names) with a function.
 */
const OPERATOR_NAMES = new Map<string, string>([
  ['билайн', 'beeline'],
  ['beeline', 'beeline'],
  ['юселл', 'ucell'],
  ['юсел', 'ucell'],
  ['ucell', 'ucell'],
  ['узмобайл', 'uzmobile'],
  ['uzmobile', 'uzmobile'],
  ['мобиуз', 'mobiuz'],
  ['mobiuz', 'mobiuz'],
  ['хуманс', 'humans'],
  ['humans', 'humans'],
  ['перфектум', 'perfectum'],
  ['perfectum', 'perfectum'],
]);

const OPERATOR_NAME = /^[a-z0-9_-]{2,32}$/;

/**
 * operatorForMsisdn (common/identifiers.ts) as a table by the two digits after +998, read from
 * the number's character codes: no two-character string made and hashed per row.
 */
const OPERATOR_BY_PREFIX: (string | null)[] = Array.from({ length: 100 }, () => null);
for (const [name, prefixes] of Object.entries(OPERATOR_PREFIXES)) for (const p of prefixes) OPERATOR_BY_PREFIX[Number(p)] = name;

/** The operator whose range a normalized number (`+998XXXXXXXXX`) is in, or null. */
function rangeOperatorOf(msisdn: string): string | null {
  return OPERATOR_BY_PREFIX[(msisdn.charCodeAt(4) - 48) * 10 + (msisdn.charCodeAt(5) - 48)] ?? null;
}

function text(cell: CellValue | undefined): string {
  if (cell === null || cell === undefined) return '';
  return typeof cell === 'number' ? String(cell) : cell.trim();
}

const PLAIN_DIGITS = /^\d+$/;
const E164_UZ = /^\+998\d{9}$/;

function iccidFor(cell: CellValue | undefined, options: RowOptions): { ok: true; value: string } | Refusal {
  // The common case first, without the normalizing below (a hot path: every row of every import):
  // parseIccid's rules for a cell already plain digits of the right length, without the strings
  // parseIccid makes on the way. A cell that fails them goes the long way, for its reason.
  if (typeof cell === 'string' && !options.checkDigitAbsent && (cell.length === 19 || cell.length === 20) && PLAIN_DIGITS.test(cell)) {
    if (cell.startsWith('89') && luhnValid(cell)) return { ok: true, value: cell };
  }
  if (cell === null || cell === undefined || text(cell) === '') return refuse('is missing', 'iccid.missing');
  // A number this large has already lost digits (doubles keep about 15).
  if ((typeof cell === 'number' && cell >= 1e15) || SCIENTIFIC.test(text(cell))) return refuse(EXCEL_MANGLED, 'iccid.excel_mangled');
  const digits = text(cell).replace(/[\s-]/g, '');
  if (options.checkDigitAbsent) {
    if (!/^\d+$/.test(digits)) return refuse('must contain only digits', 'iccid.not_digits');
    if (digits.length !== 18 && digits.length !== 19) {
      return refuse(
        `with check_digit=absent an ICCID must be 18 or 19 digits (the check digit is appended), got ${digits.length}`,
        'iccid.length_without_check_digit',
        {
          count: digits.length,
        },
      );
    }
    return parseIccid(appendCheckDigit(digits));
  }
  const parsed = parseIccid(digits);
  if (!parsed.ok && /^\d+$/.test(digits) && (digits.length === 18 || /check digit/.test(parsed.reason))) {
    return refuse(`${parsed.reason}; ${CHECK_DIGIT_HINT}`, parsed.code, { ...parsed.params, hint: 'no_check_digit' });
  }
  return parsed;
}

/** Whole so‘m: `15000`, `15 000`, `15,000.00`, `15000 so'm`. */
export function parsePrice(cell: CellValue): { ok: true; value: number } | Refusal {
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
  if (!Number.isFinite(value) || value < 0) return refuse('must be a non-negative amount in so\u2018m', 'price.invalid');
  if (!Number.isInteger(value)) return refuse('must be a whole number of so\u2018m', 'price.not_whole');
  if (value > 1_000_000_000) return refuse('must be at most 1,000,000,000', 'price.too_large', { max: 1_000_000_000 });
  return { ok: true, value };
}

/** `problems` (made on the first) with one more: `field` of the row refused for `r`. */
function bad(
  problems: Problem[] | null,
  source: SourceRow,
  iccid: { ok: true; value: string } | Refusal,
  field: string,
  r: Omit<Refusal, 'ok'>,
): Problem[] {
  const shownIccid = iccid.ok ? iccid.value : text(source.cells.iccid).slice(0, 64) || null;
  const list = problems ?? [];
  list.push({ line: source.line, iccid: shownIccid, field, reason: r.reason, code: r.code, ...(r.params ? { params: r.params } : {}) });
  return list;
}

/** No warnings: shared by every row that has none (most), instead of an empty array each. */
const NO_WARNINGS: Problem[] = Object.freeze([]) as unknown as Problem[];

/**
 * Every row of an import comes through here (a million, at most): a valid row allocates only
 * what it answers — the problems' list and its helper are made for a row that has a problem.
 */
export function validateRow(source: SourceRow, options: RowOptions): RowResult {
  const { line, cells } = source;
  let problems: Problem[] | null = null;
  const iccid = iccidFor(cells.iccid, options);
  if (!iccid.ok) problems = bad(problems, source, iccid, 'iccid', iccid);

  let msisdn: string | null = null;
  const msisdnText = text(cells.msisdn);
  if (E164_UZ.test(msisdnText)) msisdn = msisdnText;
  else if (msisdnText) {
    const parsed = parseMsisdn(msisdnText);
    if (parsed.ok) msisdn = parsed.value;
    else problems = bad(problems, source, iccid, 'msisdn', parsed);
  }

  let operator: string | null = null;
  const operatorCell = text(cells.operator);
  // Most files spell it as stored (`ucell`): looked up as it is before lower-casing it.
  const known = operatorCell ? OPERATOR_NAMES.get(operatorCell) : undefined;
  if (known !== undefined) operator = known;
  else if (operatorCell) {
    const operatorText = operatorCell.toLowerCase();
    operator = OPERATOR_NAMES.get(operatorText) ?? operatorText;
    if (!OPERATOR_NAME.test(operator)) {
      problems = bad(problems, source, iccid, 'operator', {
        reason: 'must be 2-32 letters, digits, dashes or underscores (beeline, ucell, uzmobile, ...)',
        code: 'operator.invalid',
      });
    }
  }

  const tariff = text(cells.tariff) || null;
  if (tariff !== null && (tariff.length > 64 || tariff.includes('\u0000')))
    problems = bad(problems, source, iccid, 'tariff', {
      reason: 'must be at most 64 characters of text',
      code: 'tariff.too_long',
      params: { max: 64 },
    });

  let price: number | null = null;
  if (text(cells.price)) {
    const parsed = parsePrice(cells.price!);
    if (parsed.ok) price = parsed.value;
    else problems = bad(problems, source, iccid, 'price', parsed);
  }

  if (!iccid.ok || problems !== null) return { ok: false, problems: problems ?? [] };

  let warnings = NO_WARNINGS;
  const rangeOperator = msisdn ? rangeOperatorOf(msisdn) : null;
  if (operator && rangeOperator && rangeOperator !== operator) {
    // Numbers can be ported between operators: worth a look, never a reason to refuse.
    warnings = [];
    warnings.push({
      line,
      iccid: iccid.value,
      field: 'msisdn',
      reason: `${msisdn} is in ${rangeOperator}'s range but the row says ${operator} (a ported number?)`,
      code: 'msisdn.other_operator',
      params: { msisdn: msisdn!, range_operator: rangeOperator, operator },
    });
  }
  return {
    ok: true,
    // Without an operator, the number's range names one (as POST /simcards does).
    row: { line, iccid: iccid.value, msisdn, operator: operator ?? rangeOperator, tariff, price },
    warnings,
  };
}
