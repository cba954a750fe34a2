import { en } from './en';
import { ru } from './ru';
import { uz, type MessageKey } from './uz';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the dictionaries', () => {
  const keys = Object.keys(uz) as MessageKey[];
  it.each([['ru', ru], ['en', en]] as const)('%s translates every key with the same placeholders as Uzbek', (_, dict) => {
    for (const key of keys) {
      expect(dict[key]?.trim()).toBeTruthy();
      expect([key, placeholders(dict[key])]).toEqual([key, placeholders(uz[key])]);
    }
  });
  it('writes Uzbek with the modifier letter ʻ, not a quote or backtick', () => {
    for (const key of keys) expect([key, /[oOgG]['`‘’]/.test(uz[key])]).toEqual([key, false]);
  });
});
