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
});
