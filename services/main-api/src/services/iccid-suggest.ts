/**
 * "Did you mean": for an ICCID typed with a mistake, the nearest valid ICCIDs we hold. Near means
 * one slip of the hand: one digit changed, two neighbours swapped, one digit left out or typed
 * twice. Each candidate must pass the Luhn check (which catches every single changed digit and
 * almost every swap) before the database is asked, so a lookup is one query of a few hundred
 * ICCIDs at most. Staff are offered only their own shop's SIMs.
 */
import { isFullIccid, luhnCheckDigit, parseIccid, type Principal, shopScope } from '@simcard/common';
import { type Db, handoversRepository } from '@simcard/db';

export type Change = 'digit' | 'transposition' | 'missing_digit' | 'extra_digit';

export interface Suggestion {
  id: number;
  iccid: string;
  change: Change;
}

export interface SuggestAnswer {
  /** The input as digits (spaces and dashes dropped). */
  iccid: string;
  valid: boolean;
  /** Why the input is not a valid ICCID (null when it is). */
  problem: 'not_digits' | 'length' | 'prefix' | 'check_digit' | null;
  /** For a bad check digit: the digit the first digits call for. */
  expected_check_digit: number | null;
  /** The SIM with exactly this ICCID, when the input is one we hold. */
  found: { id: number; iccid: string } | null;
  suggestions: Suggestion[];
}

const MAX_SUGGESTIONS = 10;
const ORDER: Record<Change, number> = { digit: 0, transposition: 1, missing_digit: 2, extra_digit: 3 };

/** Every valid ICCID one slip away from `digits`, with the slip. */
export function candidates(digits: string): Map<string, Change> {
  const out = new Map<string, Change>();
  const add = (c: string, change: Change) => {
    if (c !== digits && isFullIccid(c) && !out.has(c)) out.set(c, change);
  };
  for (let i = 0; i < digits.length; i++) {
    for (let d = 0; d <= 9; d++) add(digits.slice(0, i) + d + digits.slice(i + 1), 'digit');
  }
  for (let i = 0; i + 1 < digits.length; i++) add(digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2), 'transposition');
  for (let i = 0; i <= digits.length; i++) {
    for (let d = 0; d <= 9; d++) add(digits.slice(0, i) + d + digits.slice(i), 'missing_digit');
  }
  for (let i = 0; i < digits.length; i++) add(digits.slice(0, i) + digits.slice(i + 1), 'extra_digit');
  return out;
}

function problemOf(digits: string): SuggestAnswer['problem'] {
  if (!/^\d+$/.test(digits)) return 'not_digits';
  if (digits.length < 19 || digits.length > 20) return 'length';
  if (!digits.startsWith('89')) return 'prefix';
  return parseIccid(digits).ok ? null : 'check_digit';
}

export class IccidSuggestService {
  constructor(private readonly db: Db) {}

  async suggest(principal: Principal, input: string): Promise<SuggestAnswer> {
    const digits = input.replace(/[\s-]/g, '');
    const problem = problemOf(digits);
    const answer: SuggestAnswer = {
      iccid: digits,
      valid: problem === null,
      problem,
      expected_check_digit: problem === 'check_digit' ? luhnCheckDigit(digits.slice(0, -1)) : null,
      found: null,
      suggestions: [],
    };
    // Too far from an ICCID to guess at (a phone number, a few digits): nothing to suggest.
    if (problem === 'not_digits' || digits.length < 18 || digits.length > 21) return answer;
    const scope = shopScope(principal);
    if (problem === null) {
      const [exact] = await handoversRepository.existingIccids(this.db, [digits], scope);
      if (exact) return { ...answer, found: exact };
    }
    const near = candidates(digits);
    const held = await handoversRepository.existingIccids(this.db, [...near.keys()], scope);
    answer.suggestions = held
      .map((s) => ({ id: s.id, iccid: s.iccid, change: near.get(s.iccid)! }))
      .sort((a, b) => ORDER[a.change] - ORDER[b.change] || (a.iccid < b.iccid ? -1 : 1))
      .slice(0, MAX_SUGGESTIONS);
    return answer;
  }
}
