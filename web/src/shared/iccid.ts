/** ICCID checks the search box needs (docs/domain.md#iccid): a full, valid ICCID jumps to its SIM. */

/** Digits only, as the API stores them: spaces, dashes, brackets and + dropped. */
export function searchDigits(input: string): string | null {
  const stripped = input.replace(/[\s\-()+]/g, '');
  return /^\d*$/.test(stripped) ? stripped : null;
}

/**
 * common/src/identifiers.ts's rule (isFullIccid), written again here on purpose: importing that
 * module puts it in the `errors` chunk (vite.config.ts, chunkGroups: the form rules with their
 * sentences), which a phone's SIM list would then download before its first rows. iccid.test.ts
 * checks that the two agree.
 */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** 19 or 20 digits, starting with 89, Luhn check digit last (ITU-T E.118). */
export function isFullIccid(digits: string): boolean {
  return /^89\d{17,18}$/.test(digits) && luhnValid(digits);
}

/** An ICCID in groups of four, easier to read aloud and compare on a phone. */
export function groupIccid(iccid: string): string {
  return iccid.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export const OPERATORS = ['beeline', 'ucell', 'uzmobile', 'mobiuz', 'humans', 'perfectum'] as const;
