import fc from 'fast-check';
import { appendCheckDigit, luhnCheckDigit, luhnValid, operatorForMsisdn, parseIccid, parseMsisdn } from './identifiers.js';

describe('ICCID', () => {
  test('a 19-digit ICCID with a correct Luhn digit is accepted as digits only', () => {
    expect(parseIccid('8999 8010-0000 0000 014')).toEqual({ ok: true, value: '8999801000000000014' });
  });

  test('20-digit ICCIDs are accepted', () => {
    const iccid = appendCheckDigit('8999801000000000123');
    expect(iccid).toHaveLength(20);
    expect(parseIccid(iccid)).toEqual({ ok: true, value: iccid });
  });

  test('a wrong check digit is refused, naming the expected one', () => {
    expect(parseIccid('8999801000000000015')).toEqual({
      ok: false,
      reason: 'check digit is wrong (expected 4)',
      code: 'iccid.check_digit',
      params: { expected: 4 },
    });
  });

  test('length, prefix and non-digits are refused with a reason', () => {
    expect(parseIccid('89998010000000014')).toMatchObject({ ok: false, reason: expect.stringContaining('19 or 20 digits') });
    expect(parseIccid(appendCheckDigit('790000000000000000'))).toMatchObject({ ok: false, reason: 'must start with 89' });
    expect(parseIccid('8999801000000000O14')).toMatchObject({ ok: false, reason: 'must contain only digits' });
    expect(parseIccid('')).toMatchObject({ ok: false });
  });

  test('the check digit is the standard Luhn digit', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3); // the classic Luhn example 79927398713
  });

  test('a whole number is Luhn-valid when its last digit is its check digit', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('0')).toBe(true);
    expect(luhnValid('')).toBe(false);
  });

  test('luhnValid agrees with luhnCheckDigit: of the ten digits that can end a number, exactly its check digit is valid', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 24 }), (digits) => {
        const check = luhnCheckDigit(digits);
        for (let last = 0; last <= 9; last++) expect(luhnValid(digits + String(last))).toBe(last === check);
      }),
      { numRuns: 2000 },
    );
  });

  test('luhnCheckDigit is the textbook digit: every second digit from the right doubled, the sum a multiple of ten', () => {
    const textbook = (digits: string) => {
      const sum = [...digits]
        .reverse()
        .map((c, i) => (i % 2 === 0 ? [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][Number(c)]! : Number(c)))
        .reduce((a, b) => a + b, 0);
      return (10 - (sum % 10)) % 10;
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 24 }), (digits) => {
        expect(luhnCheckDigit(digits)).toBe(textbook(digits));
      }),
      { numRuns: 2000 },
    );
  });

  test('every single-digit error is detected', () => {
    const iccid = appendCheckDigit('899980100000000012');
    for (let i = 0; i < iccid.length - 1; i++) {
      const wrong = iccid.slice(0, i) + String((Number(iccid[i]) + 1) % 10) + iccid.slice(i + 1);
      expect(parseIccid(wrong).ok).toBe(false);
    }
  });
});

describe('MSISDN', () => {
  test.each(['+998 90 123 45 67', '998901234567', '901234567', '+998 (90) 123-45-67', ' 90.123.45.67 '])(
    '%s is stored as +998901234567',
    (input) => {
      expect(parseMsisdn(input)).toEqual({ ok: true, value: '+998901234567' });
    },
  );

  test.each(['+7 901 234 56 78', '12345', '99890123456', '+998 90 123 45 678', 'phone'])('%s is refused', (input) => {
    expect(parseMsisdn(input).ok).toBe(false);
  });

  test('the operator is read off the number prefix', () => {
    expect(operatorForMsisdn('+998901234567')).toBe('beeline');
    expect(operatorForMsisdn('+998931234567')).toBe('ucell');
    expect(operatorForMsisdn('+998991234567')).toBe('uzmobile');
    expect(operatorForMsisdn('+998971234567')).toBe('mobiuz');
    expect(operatorForMsisdn('+998331234567')).toBe('humans');
    expect(operatorForMsisdn('+998981234567')).toBe('perfectum');
    expect(operatorForMsisdn('+998711234567')).toBeNull();
  });
});
