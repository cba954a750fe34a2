import { en } from './en';
import { reasonCodeKeys, reasonText } from './errors';
import { pluralCategory, withPlurals } from './plural';
import { ru } from './ru';
import { type MessageKey, uz } from './uz';

/** The variables a sentence names: `{name}`, and `{name, plural, …}` (whose branches name none of their own). */
const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((m) => m[1]))].sort();

describe('the dictionaries', () => {
  const keys = Object.keys(uz) as MessageKey[];
  it.each([
    ['ru', ru],
    ['en', en],
  ] as const)('%s translates every key with the same placeholders as Uzbek', (_, dict) => {
    for (const key of keys) {
      expect(dict[key]?.trim()).toBeTruthy();
      expect([key, placeholders(dict[key])]).toEqual([key, placeholders(uz[key])]);
    }
  });
  it('writes Uzbek with the modifier letter ʻ, not a quote or backtick', () => {
    for (const key of keys) expect([key, /[oOgG]['`‘’]/.test(uz[key])]).toEqual([key, false]);
  });
  it('attaches Uzbek suffixes to the word, as Uzbek writes them: ICCIDlar, CSVga', () => {
    for (const key of keys) expect([key, /\b(ICCID|CSV|XLSX|SIM) (lar|ga|da|dan|ni|ning)\b/.test(uz[key])]).toEqual([key, false]);
  });
  it('a counter and one SIM’s badge are separate words in Russian: “Продано 42”, “Продана”', () => {
    expect(ru['count.sold']).toBe('Продано');
    expect(ru['status.sold']).toBe('Продана');
  });
  it('every reason code the server sends has its sentence', () => {
    for (const key of Object.values(reasonCodeKeys)) expect([key, Boolean(uz[key] && ru[key] && en[key])]).toEqual([key, true]);
  });
});

describe('plural forms (Intl.PluralRules)', () => {
  it('chooses Russian one/few/many, and one/other in Uzbek and English', () => {
    expect([1, 3, 5, 21, 22, 25, 11].map((n) => pluralCategory('ru-RU', n))).toEqual(['one', 'few', 'many', 'one', 'few', 'many', 'many']);
    expect([1, 2].map((n) => pluralCategory('en-GB', n))).toEqual(['one', 'other']);
  });
  it('fills a sentence: “только 1 SIM-карта”, “только 3 SIM-карты”, “только 5 SIM-карт”', () => {
    const text = ru['error.insufficient_stock_n'];
    expect(withPlurals('ru-RU', text, { count: '1' })).toBe('На складе только 1 SIM-карта.');
    expect(withPlurals('ru-RU', text, { count: '3' })).toBe('На складе только 3 SIM-карты.');
    expect(withPlurals('ru-RU', text, { count: '1 205' })).toBe('На складе только 1 205 SIM-карт.');
    expect(withPlurals('en-GB', en['error.insufficient_stock_n'], { count: 1 })).toBe('Only 1 SIM card is in stock.');
    expect(withPlurals('en-GB', 'x {n, plural, =0 {none} one {# item} other {# items}} y', { n: 0 })).toBe('x none y');
  });
});

describe('reasons by code, in the page’s language', () => {
  const t = (dict: Record<string, string>, locale: string) => (key: MessageKey, vars?: Record<string, string | number>) =>
    withPlurals(locale, dict[key]!, vars ?? {}).replace(/\{(\w+)\}/g, (m, name: string) => (vars && name in vars ? String(vars[name]) : m));
  const problem = {
    reason: 'must be 19 or 20 digits, got 18; if the operator’s file …',
    code: 'iccid.length',
    params: { count: 18, hint: 'no_check_digit' },
  };
  it('speaks of what the screen offers, never of a query option', () => {
    const text = reasonText(t(uz, 'uz-Latn-UZ'), problem);
    expect(text).toContain('18');
    expect(text).toContain(uz['import.no_check_digit']);
    expect(text).not.toMatch(/check_digit|absent|\?/);
    expect(reasonText(t(ru, 'ru-RU'), problem)).toContain(`«${ru['import.no_check_digit']}»`);
  });
  it('falls back to a known phrase, then to the server’s English', () => {
    expect(reasonText(t(ru, 'ru-RU'), { reason: 'already exists' })).toBe(ru['reason.exists']);
    expect(reasonText(t(ru, 'ru-RU'), { reason: 'something new', code: 'not.known' })).toBe('something new');
  });
});
