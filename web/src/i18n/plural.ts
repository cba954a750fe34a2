/**
 * Plural forms by the language's own rules (Intl.PluralRules): Russian needs one/few/many
 * ("1 SIM-карта", "3 SIM-карты", "5 SIM-карт"), Uzbek and English one/other.
 */
const pluralRules = new Map<string, Intl.PluralRules>();
/** CLDR's plural category of `n` in `locale` (ru: one/few/many/other; uz and en: one/other). */
export function pluralCategory(locale: string, n: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules.select(n);
}

/** The number a variable holds, also when it was passed formatted ("1 234"). */
function numberOf(value: string | number | undefined): number {
  if (typeof value === 'number') return value;
  const n = Number(String(value ?? '').replace(/[^\d.-]/g, ''));
  return Number.isFinite(n) ? n : 0;
}

/** The end (exclusive) of the `{…}` group opening at `start`. */
function groupEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i + 1;
  }
  return text.length;
}

/**
 * ICU's plural form, the part of it our sentences need: `{count, plural, one {# SIM-карта}
 * few {# SIM-карты} many {# SIM-карт} other {# SIM-карты}}`; `=0 {…}` picks an exact number, and
 * `#` is the variable as passed (already formatted by `num`). Categories: Intl.PluralRules.
 */
export function withPlurals(locale: string, text: string, vars: Record<string, string | number>): string {
  const open = /\{(\w+), plural,/g;
  let out = '';
  let last = 0;
  for (let m = open.exec(text); m; m = open.exec(text)) {
    const end = groupEnd(text, m.index);
    const options = new Map<string, string>();
    const body = text.slice(m.index + m[0].length, end - 1);
    const option = /\s*(=\d+|\w+)\s*\{/g;
    for (let o = option.exec(body); o; o = option.exec(body)) {
      const close = groupEnd(body, o.index + o[0].length - 1);
      options.set(o[1]!, body.slice(o.index + o[0].length, close - 1));
      option.lastIndex = close;
    }
    const value = vars[m[1]!];
    const n = numberOf(value);
    const chosen = options.get(`=${n}`) ?? options.get(pluralCategory(locale, n)) ?? options.get('other') ?? '';
    out += text.slice(last, m.index) + chosen.replace(/#/g, String(value ?? n));
    last = end;
    open.lastIndex = end;
  }
  return out + text.slice(last);
}
