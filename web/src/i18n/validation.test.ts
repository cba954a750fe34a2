import { appendCheckDigit } from '../../../common/src/identifiers';
import { en } from './en';
import { ru } from './ru';
import { translatorFor } from './translator';
import { uz } from './uz';
import { iccidRule, msisdnRule } from './validation';

describe('a form checks identifiers by the server’s own rules, in the page’s language', () => {
  const good = appendCheckDigit('899980100000000001');
  const wrongDigit = good.slice(0, -1) + String((Number(good.at(-1)) + 1) % 10);

  test('ICCID: a right one passes; a wrong check digit is named, with the expected digit', () => {
    expect(iccidRule(translatorFor(ru, 'ru-RU'))(good)).toBeNull();
    expect(iccidRule(translatorFor(ru, 'ru-RU'))('')).toBeNull(); // empty: `required` decides
    expect(iccidRule(translatorFor(ru, 'ru-RU'))(wrongDigit)).toBe(ru['reason.iccid.check_digit'].replace('{expected}', good.at(-1)!));
    expect(iccidRule(translatorFor(uz, 'uz-Latn-UZ'))('8999801')).toBe(uz['reason.iccid.length'].replace('{count}', '7'));
    expect(iccidRule(translatorFor(en, 'en-GB'))('8999801x')).toBe(en['reason.iccid.not_digits']);
  });

  test('phone numbers: Uzbek numbers in any spelling pass; others are refused in the page’s language', () => {
    const rule = msisdnRule(translatorFor(uz, 'uz-Latn-UZ'));
    expect(rule('+998 90 123 45 67')).toBeNull();
    expect(rule('901234567')).toBeNull();
    expect(rule('12345')).toBe(uz['reason.msisdn.not_uzbek']);
  });
});
