import { isFullIccid as apiRule } from '../../../common/src/identifiers';
import { isFullIccid, searchDigits } from './iccid';

describe('the ICCID search', () => {
  it('accepts a full ICCID with a valid Luhn digit, with spaces as scanned', () => {
    expect(isFullIccid(searchDigits('8999 8010 0000 0000 014')!)).toBe(true);
  });
  it('does not jump on a wrong check digit or a prefix', () => {
    expect(isFullIccid('8999801000000000018')).toBe(false);
    expect(isFullIccid('89998010000')).toBe(false);
  });
  it('refuses letters rather than sending them', () => {
    expect(searchDigits('89ab')).toBeNull();
  });
  it("calls an ICCID full exactly when the API's rule does (its copy for the first screen's chunk)", () => {
    // Every check digit of a few hundred ICCIDs of 19 and 20 digits, and other lengths and starts.
    let seed = 7;
    const digit = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % 10);
    const bodies = Array.from({ length: 300 }, (_, i) => {
      const length = [18, 19, 17, 10, 20][i % 5]!;
      const start = i % 7 === 0 ? '88' : '89';
      return start + Array.from({ length: length - 2 }, digit).join('');
    });
    let full = 0;
    for (const body of bodies)
      for (let check = 0; check <= 9; check++) {
        const candidate = `${body}${check}`;
        expect([candidate, isFullIccid(candidate)]).toEqual([candidate, apiRule(candidate)]);
        if (apiRule(candidate)) full++;
      }
    // One check digit in ten is right, for the 19- and 20-digit ones starting with 89.
    expect(full).toBeGreaterThan(40);
  });
});
