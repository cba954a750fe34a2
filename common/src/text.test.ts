import { cleanText, nameText, textProblem } from './text.js';

describe('the text rule', () => {
  test('NFC, trimmed', () => {
    expect(nameText(10).parse('  Cafe\u0301 ')).toBe('Café');
  });

  test.each([
    ['zero-width only', '\u200b\u200d\ufeff'],
    ['right-to-left override', 'a\u202eb'],
    ['left-to-right isolate', 'a\u2066b'],
    ['C0 control', 'a\u0000b'],
    ['C1 control', 'a\u0085b'],
    ['line break in a name', 'a\nb'],
    ['lone surrogate', 'a\ud83db'],
  ])('%s is refused in a name', (_what, value) => {
    expect(nameText(50).safeParse(value).success).toBe(false);
  });

  test('free text keeps tabs and line breaks, and any script', () => {
    expect(cleanText({ max: 100, multiline: true }).parse('Ташкент\n\tOʻzbekiston 🙂')).toBe('Ташкент\n\tOʻzbekiston 🙂');
    expect(textProblem('نام فروشگاه')).toBeNull();
  });

  test('the length limit counts the normalised text', () => {
    expect(nameText(4).safeParse('Cafe\u0301').success).toBe(true);
    expect(nameText(3).safeParse('Cafe\u0301').success).toBe(false);
  });
});
