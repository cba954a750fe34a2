/**
 * ICCID and MSISDN rules (docs/domain.md#identifiers). Pure functions: used by request schemas,
 * the import parser and the status API alike.
 */

/**
 * The Luhn sum (ITU-T E.118) of `digits[0, end)`, walked in place from the right by character
 * codes, the digit at `end - 1` doubled: the one walk behind both answers below, so that checking
 * a whole number needs no slice of it (the import checks every row's ICCID).
 */
function luhnSum(digits: string, end: number): number {
  let sum = 0;
  for (let i = end - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum;
}

/** Luhn check digit (ITU-T E.118) for a string of digits that does not yet carry one. */
export function luhnCheckDigit(digits: string): number {
  return (10 - (luhnSum(digits, digits.length) % 10)) % 10;
}

/**
 * Whether a string of digits ends in its own Luhn check digit: `luhnValid('79927398713')`.
 * Digits only (the caller has checked); an empty string has no check digit, so is not valid.
 */
export function luhnValid(digits: string): boolean {
  const last = digits.length - 1;
  return last >= 0 && (luhnSum(digits, last) + digits.charCodeAt(last) - 48) % 10 === 0;
}

/**
 * A whole, valid ICCID in digits: 19 or 20 of them, starting with 89, its Luhn check digit last
 * (ITU-T E.118). What a search box may open at once, and what a suggestion must be.
 */
export function isFullIccid(digits: string): boolean {
  return /^89\d{17,18}$/.test(digits) && luhnValid(digits);
}

/**
 * A refused identifier: `reason` in English for API clients and logs; `code` and `params` stable,
 * for clients that say it in the person's language (the web app's i18n/errors.ts).
 */
export type IdentifierProblem = { ok: false; reason: string; code: string; params?: Record<string, string | number> };
export type IccidResult = { ok: true; value: string } | IdentifierProblem;

const SEPARATORS = /[\s-]/g;

/** Normalizes an ICCID (spaces and dashes removed) and checks length, prefix and check digit. */
export function parseIccid(input: string): IccidResult {
  const value = input.replace(SEPARATORS, '');
  if (!/^\d+$/.test(value)) return { ok: false, reason: 'must contain only digits', code: 'iccid.not_digits' };
  if (value.length < 19 || value.length > 20) {
    return { ok: false, reason: `must be 19 or 20 digits, got ${value.length}`, code: 'iccid.length', params: { count: value.length } };
  }
  if (!value.startsWith('89')) return { ok: false, reason: 'must start with 89', code: 'iccid.prefix' };
  if (!luhnValid(value)) {
    const expected = luhnCheckDigit(value.slice(0, -1));
    return { ok: false, reason: `check digit is wrong (expected ${expected})`, code: 'iccid.check_digit', params: { expected } };
  }
  return { ok: true, value };
}

export type MsisdnResult = { ok: true; value: string } | IdentifierProblem;

/**
 * Normalizes an Uzbek phone number to E.164 `+998XXXXXXXXX`. Accepts `+998 90 123 45 67`,
 * `998901234567`, `901234567`, with spaces, dashes, dots and parentheses.
 */
export function parseMsisdn(input: string): MsisdnResult {
  const digits = input
    .trim()
    .replace(/[\s\-().]/g, '')
    .replace(/^\+/, '');
  if (!/^\d+$/.test(digits))
    return { ok: false, reason: 'must contain only digits, spaces and an optional leading +', code: 'msisdn.not_digits' };
  let national: string;
  if (digits.length === 12 && digits.startsWith('998')) national = digits.slice(3);
  else if (digits.length === 9) national = digits;
  else return { ok: false, reason: 'must be an Uzbek number: +998 and 9 digits, or the 9-digit national number', code: 'msisdn.not_uzbek' };
  return { ok: true, value: `+998${national}` };
}

/** Mobile prefixes (the two digits after +998) per operator. Numbers can be ported: a hint, never a rule. */
export const OPERATOR_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  beeline: ['90', '91', '20'],
  ucell: ['93', '94', '50'],
  uzmobile: ['95', '99', '77'],
  mobiuz: ['97', '88'],
  humans: ['33'],
  perfectum: ['98'],
};

/** OPERATOR_PREFIXES by prefix: looked up once per imported row, without an array per call. */
const OPERATOR_BY_PREFIX = new Map(Object.entries(OPERATOR_PREFIXES).flatMap(([operator, prefixes]) => prefixes.map((p) => [p, operator])));

/** The operator whose range a normalized MSISDN falls in, or null. */
export function operatorForMsisdn(msisdn: string): string | null {
  return OPERATOR_BY_PREFIX.get(msisdn.slice(4, 6)) ?? null;
}

/** `digits` with its Luhn check digit appended (for operators' files that leave it off). */
export function appendCheckDigit(digits: string): string {
  return digits + String(luhnCheckDigit(digits));
}
