/**
 * Validation details and import file errors are said in the page's language from their `code` and
 * `params` (never the server's English), as components/ErrorMessage.tsx shows them.
 */
import { FILE_PROBLEM_CODES } from '../../../services/main-api/src/import/file-problem-codes';
import { ApiError } from '../api/client';
import { en } from './en';
import { errorKey, reasonCodeKeys, reasonText } from './errors';
import { ru } from './ru';
import { translatorFor } from './translator';
import { uz } from './uz';

const t = { uz: translatorFor(uz, 'uz-Latn-UZ'), ru: translatorFor(ru, 'ru-RU'), en: translatorFor(en, 'en-GB') };

describe('validation details are translated from their code and params', () => {
  test('too_small of a text says the minimum in characters, with Russian plural forms', () => {
    const detail = {
      field: 'name',
      reason: 'Too small: expected string to have >=2 characters',
      code: 'too_small',
      params: { min: 2, origin: 'string' },
    };
    expect(reasonText(t.ru, detail)).toBe('не короче 2 символов');
    expect(reasonText(t.ru, { ...detail, params: { min: 1, origin: 'string' } })).toBe('не короче 1 символа');
    expect(reasonText(t.uz, detail)).toBe('kamida 2 ta belgi boʻlishi kerak');
    expect(reasonText(t.en, detail)).toBe('must be at least 2 characters');
  });

  test('too_big of a number says the maximum; an exclusive bound says "greater than"', () => {
    const big = { reason: 'Too big: expected number to be <=10', code: 'too_big', params: { max: 10, origin: 'number' } };
    expect(reasonText(t.ru, big)).toBe('должно быть не больше 10');
    const positive = {
      reason: 'Too small: expected number to be >0',
      code: 'too_small',
      params: { min: 0, origin: 'number', exclusive: 1 },
    };
    expect(reasonText(t.uz, positive)).toBe('0 dan katta boʻlishi kerak');
  });

  test('not_in_enum lists the allowed values; invalid_type names the type; required and unknown fields', () => {
    expect(reasonText(t.ru, { reason: 'Invalid option', code: 'not_in_enum', params: { allowed: 'admin, staff' } })).toBe(
      'должно быть одним из: admin, staff',
    );
    expect(
      reasonText(t.uz, { reason: 'Invalid input: expected number, received string', code: 'invalid_type', params: { expected: 'number' } }),
    ).toBe('son boʻlishi kerak');
    expect(reasonText(t.ru, { reason: 'Invalid input', code: 'invalid_type', params: { expected: 'object' } })).toBe(
      ru['reason.invalid_type'],
    );
    expect(reasonText(t.ru, { reason: 'Invalid input: expected string, received undefined', code: 'required' })).toBe(
      ru['reason.required'],
    );
    expect(reasonText(t.uz, { reason: 'is not an accepted field', code: 'unrecognized_key', params: { key: 'colour' } })).toBe(
      uz['reason.not_accepted'],
    );
    expect(reasonText(t.ru, { reason: 'Invalid email address', code: 'invalid_format', params: { format: 'email' } })).toBe(
      ru['reason.invalid_format.email'],
    );
  });

  test('an ICCID detail from the API says the expected check digit', () => {
    const detail = { field: 'iccid', reason: 'check digit is wrong (expected 4)', code: 'iccid.check_digit', params: { expected: 4 } };
    expect(reasonText(t.ru, detail)).toBe(ru['reason.iccid.check_digit'].replace('{expected}', '4'));
  });

  test('a refinement with no code of its own is said generically, not in English', () => {
    expect(reasonText(t.uz, { reason: 'give at least one field to change', code: 'custom' })).toBe(uz['reason.custom']);
  });
});

describe('import file errors are translated from their code and params', () => {
  test('every file problem code the server has is translated in uz, ru and en, every placeholder filled', () => {
    // Params of every name a file sentence uses.
    const params = {
      offset: 120,
      line: 3,
      max: 256,
      ratio: 100,
      type: 'image/png',
      encoding: 'br',
      limit_mb: 200,
      found: 'phone',
      column: 'iccid',
    };
    for (const code of FILE_PROBLEM_CODES) {
      expect([code, reasonCodeKeys[code]]).toEqual([code, `reason.${code}`]);
      for (const lang of ['uz', 'ru', 'en'] as const) {
        const text = reasonText(t[lang], { reason: 'English from the server', code, params });
        expect([code, lang, text.includes('{'), text.includes('English')]).toEqual([code, lang, false, false]);
      }
    }
  });

  test('a cut upload and a missing ICCID column read in Uzbek and Russian', () => {
    expect(reasonText(t.uz, { reason: 'x', code: 'file.multipart_cut' })).toBe(uz['reason.file.multipart_cut']);
    expect(reasonText(t.ru, { reason: 'x', code: 'file.no_iccid_column', params: { found: 'phone, tariff' } })).toContain('phone, tariff');
    expect(reasonText(t.ru, { reason: 'x', code: 'file.too_many_rows', params: { max: 1000000 } })).toContain('1000000');
  });

  test('the error of an unreadable or too large file is the bad-file or too-large sentence', () => {
    for (const code of ['truncated_file', 'corrupt_file', 'not_a_workbook', 'malformed_multipart', 'invalid_encoding', 'malformed_csv'])
      expect([code, errorKey(new ApiError(400, code, 'x'))]).toEqual([code, 'error.bad_file']);
    for (const code of ['too_many_rows', 'too_many_columns', 'xlsx_too_large', 'payload_too_large'])
      expect([code, errorKey(new ApiError(413, code, 'x'))]).toEqual([code, 'error.too_large']);
  });
});
