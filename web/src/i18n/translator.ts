/**
 * A message filled in as the app says it: `{name}` from `vars`, plural forms by the locale's rules.
 * `translate` (i18n.tsx) fills in from the page's loaded dictionaries; `translatorFor` from one
 * given dictionary — what a test of the words a page says in each language needs.
 */
import { withPlurals } from './plural';
import type { Dictionary, MessageKey } from './uz';

export type Vars = Record<string, string | number>;

export function fillIn(locale: string, text: string, vars?: Vars): string {
  if (!vars) return text;
  return withPlurals(locale, text, vars).replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** `t` over one dictionary (a key it lacks is said as the key). */
export function translatorFor(dict: Dictionary, locale: string): (key: MessageKey, vars?: Vars) => string {
  return (key, vars) => fillIn(locale, dict[key] ?? key, vars);
}
