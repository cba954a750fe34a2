/**
 * The language of the app: Uzbek (Latin, the default), Russian or English, remembered in
 * localStorage. `t(key, vars)` looks a string up in the chosen dictionary; numbers and dates are
 * formatted by Intl in the same locale.
 *
 * Each dictionary comes in two steps. First the strings of the first screens (the sign-in screen,
 * the layout, a phone’s SIM list: uz.first.ts, ~130 of ~570 keys): Uzbek's is in the first chunk,
 * a remembered Russian or English is loaded before the first render (main.tsx), so the first
 * paint is already in that language. Then the whole dictionary (`loadWholeDictionary`): after
 * the first screen's render, or before it for any other page (main.tsx), and before a switch of
 * language (the page switches whole). A phone downloaded and parsed the whole Uzbek dictionary
 * (8.6 kB brotli of the first chunk's 26) before its SIM list (bench/RESULTS.md, the phone sections).
 * Any other page waits for it (components/WholeDictionary.tsx: "Loading…", or the failure screen
 * when it could not be loaded, tried again with the next page opened), never showing a key. A key
 * still missed elsewhere shows as the key and starts the load (a failed one is tried again at the
 * next key missed, one at a time); the app renders again when it is in.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { fillIn, type Vars } from './translator';
import type { Dictionary, MessageKey } from './uz';
import { dictionary as uzFirst } from './uz.first';

export type Lang = 'uz' | 'ru' | 'en';
export const LANGS: readonly Lang[] = ['uz', 'ru', 'en'];
const LANG_KEY = 'simcard.lang';
/** The strings loaded so far, by language: the first screens' part (Uzbek's always), or the whole dictionary. */
const dictionaries: Partial<Record<Lang, Partial<Dictionary>>> = { uz: uzFirst };
const firstLoaders: Record<Exclude<Lang, 'uz'>, () => Promise<Partial<Dictionary>>> = {
  ru: () => import('./ru.first').then((m) => m.dictionary),
  en: () => import('./en.first').then((m) => m.dictionary),
};
const wholeLoaders: Record<Lang, () => Promise<Dictionary>> = {
  uz: () => import('./uz').then((m) => m.uz),
  ru: () => import('./ru').then((m) => m.ru),
  en: () => import('./en').then((m) => m.en),
};
const loading = new Map<string, Promise<void>>();
const whole = new Set<Lang>();
/** Whether a string was asked for that is not loaded yet: the app renders again when the whole dictionary is in. */
let missed = false;
const onWhole = new Set<() => void>();

/** Once at a time: a load in flight is joined; a failed one is forgotten, so the next need tries again. */
function once(name: string, load: () => Promise<void>): Promise<void> {
  let pending = loading.get(name);
  if (!pending) {
    pending = load().catch((err: unknown) => {
      loading.delete(name);
      throw err;
    });
    loading.set(name, pending);
  }
  return pending;
}

/** Loads the strings of a language's first screens (once). */
export function loadDictionary(lang: Lang): Promise<void> {
  if (lang === 'uz' || dictionaries[lang]) return Promise.resolve();
  return once(`${lang}.first`, () =>
    firstLoaders[lang]().then((dictionary) => {
      dictionaries[lang] ??= dictionary;
    }),
  );
}

/** Loads a language's whole dictionary (once; again after a failure); the app renders again if it showed a key meanwhile. */
export function loadWholeDictionary(lang: Lang): Promise<void> {
  if (whole.has(lang)) return Promise.resolve();
  return once(lang, () =>
    wholeLoaders[lang]().then((dictionary) => {
      dictionaries[lang] = dictionary;
      whole.add(lang);
      if (missed) {
        missed = false;
        for (const listener of onWhole) listener();
      }
    }),
  );
}

/** Whether a language's whole dictionary is in (loadWholeDictionary): every key has its string. */
export function wholeDictionaryLoaded(lang: Lang): boolean {
  return whole.has(lang);
}

/** Intl locales: Uzbek in Latin script, as the users write it. */
const locales: Record<Lang, string> = { uz: 'uz-Latn-UZ', ru: 'ru-RU', en: 'en-GB' };

export type { Vars };

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  num: (n: number | null | undefined, options?: Intl.NumberFormatOptions) => string;
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
  /** A calendar day `YYYY-MM-DD` as "23 Nov", for chart ticks. */
  day: (isoDate: string) => string;
}

/** The remembered language (localStorage), else Uzbek. */
export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved && (LANGS as readonly string[]).includes(saved)) return saved as Lang;
  } catch {
    // No storage: the default language.
  }
  return 'uz';
}

/** A string in `lang` (in Uzbek while that language's is not loaded; the key itself while neither is: see loadWholeDictionary). */
export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  let text = dictionaries[lang]?.[key] ?? dictionaries.uz?.[key];
  if (text === undefined) {
    missed = true;
    loadWholeDictionary(lang).catch(() => {});
    text = key;
  }
  return fillIn(locales[lang], text, vars);
}

/** CLDR's Uzbek short month names, for browsers whose ICU has no Uzbek data. */
const UZ_MONTHS = ['yan', 'fev', 'mar', 'apr', 'may', 'iyn', 'iyl', 'avg', 'sen', 'okt', 'noy', 'dek'];

/** Whether this browser's Intl really knows the locale (some builds ship ICU without Uzbek: "M11"). */
function hasLocaleData(locale: string): boolean {
  return !/^M?\d+$/.test(new Intl.DateTimeFormat(locale, { month: 'short' }).format(new Date(Date.UTC(2026, 10, 15))));
}

/**
 * Whether this browser's Intl really has the locale's numbers. Some builds (Debian's Chromium)
 * resolve `uz` yet format with ICU's root data, "5,000" and "9.1%": an Uzbek reads "5,000 soʻm"
 * as five. Uzbek and Russian write a decimal comma, English a point: a non-English locale that
 * formats 1.5 as English does has no data of its own.
 */
function hasNumberData(locale: string): boolean {
  const base = locale.split('-')[0];
  const format = new Intl.NumberFormat(locale);
  if (format.resolvedOptions().locale.split('-')[0] !== base) return false;
  return base === 'en' || format.format(1.5) !== '1.5';
}

/**
 * A NumberFormat that never writes "-0" where the browser can say so (`signDisplay: 'negative'`:
 * Chrome 106+): a value that rounds to zero is 0. An older engine refuses the option (RangeError):
 * there the callers pass −0 as 0, and only a small negative rounded to zero still shows its sign.
 */
function numberFormat(locale: string, options?: Intl.NumberFormatOptions): Intl.NumberFormat {
  try {
    return new Intl.NumberFormat(locale, { signDisplay: 'negative', ...options });
  } catch {
    return new Intl.NumberFormat(locale, options);
  }
}

interface Formatters {
  number: (n: number, options?: Intl.NumberFormatOptions) => string;
  date: (d: Date, withTime: boolean) => string;
  day: (d: Date) => string;
}

/**
 * Intl's formatters for a locale, each made on its first use and kept. Making them loads the
 * browser's ICU data: the month-names probe and the DateTimeFormats took ~140 ms of a phone's 4×
 * slower CPU before the SIM list's first render (its profile: bench/RESULTS.md), though neither
 * the sign-in screen nor the list shows a date. Numbers do not wait for the month probe: whether
 * ICU knows the locale's numbers is what NumberFormat itself resolves to.
 */
function formatters(locale: string): Formatters {
  let dates: Omit<Formatters, 'number'> | undefined;
  const dateFormatters = (): Omit<Formatters, 'number'> => {
    if (dates) return dates;
    if (hasLocaleData(locale)) {
      const dateFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' });
      const dateTimeFormat = new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      });
      const dayFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
      dates = { date: (d, withTime) => (withTime ? dateTimeFormat : dateFormat).format(d), day: (d) => dayFormat.format(d) };
    } else {
      // Uzbek without ICU data: CLDR's patterns by hand ("23-noy, 2026 11:29").
      const pad = (n: number) => String(n).padStart(2, '0');
      dates = {
        date: (d, withTime) =>
          `${d.getDate()}-${UZ_MONTHS[d.getMonth()]}, ${d.getFullYear()}${withTime ? ` ${pad(d.getHours())}:${pad(d.getMinutes())}` : ''}`,
        day: (d) => `${d.getUTCDate()}-${UZ_MONTHS[d.getUTCMonth()]}`,
      };
    }
    return dates;
  };
  const numberFormats = new Map<string, (n: number) => string>();
  let numbersKnown: boolean | undefined;
  const number = (n: number, options?: Intl.NumberFormatOptions): string => {
    // A count under 1,000 reads the same in Uzbek, Russian and English (no grouping, Latin digits):
    // no NumberFormat for it, whose first making took ~100 ms of the phone's first render (its profile).
    if (!options && Number.isInteger(n) && (n > 0 || Object.is(n, 0)) && n < 1000) return String(n);
    const key = options ? JSON.stringify(options) : '';
    let format = numberFormats.get(key);
    if (!format) {
      numbersKnown ??= hasNumberData(locale);
      if (numbersKnown) {
        const f = numberFormat(locale, options);
        format = (x) => f.format(x === 0 ? 0 : x);
      } else {
        // Uzbek without ICU data: numbers group with spaces and use a decimal comma, as Russian's do.
        const f = numberFormat('ru-RU', options);
        format = (x) => f.format(x === 0 ? 0 : x).replace(/\s%$/, '%');
      }
      numberFormats.set(key, format);
    }
    return format(n);
  };
  return { number, date: (d, withTime) => dateFormatters().date(d, withTime), day: (d) => dateFormatters().day(d) };
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  // The remembered language when its dictionary is here (main.tsx loads it first), else Uzbek.
  const [lang, setLangState] = useState<Lang>(() => {
    const remembered = initialLang();
    return dictionaries[remembered] ? remembered : 'uz';
  });
  // Renders again when a whole dictionary brings strings that were shown as keys.
  const [loaded, setLoaded] = useState(0);
  useEffect(() => {
    const listener = () => setLoaded((n) => n + 1);
    onWhole.add(listener);
    return () => {
      onWhole.delete(listener);
    };
  }, []);
  /** The last language asked for: a slower earlier load must not switch back to it. */
  const wanted = useRef(lang);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.title');
  }, [lang]);

  const setLang = useCallback((next: Lang) => {
    wanted.current = next;
    try {
      localStorage.setItem(LANG_KEY, next);
    } catch {
      // Not remembered without storage; still switched.
    }
    // The page stays in the current language until the new dictionary is in, then switches whole.
    loadWholeDictionary(next).then(
      () => {
        if (wanted.current === next) setLangState(next);
      },
      () => {
        // Not loaded (offline): the page stays as it is; choosing again tries again.
      },
    );
  }, []);

  const value = useMemo<I18n>(() => {
    const locale = locales[lang];
    const f = formatters(locale);
    return {
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      num: (n, options) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : f.number(n, options)),
      date: (iso) => {
        const d = iso ? new Date(iso) : null;
        return d && !Number.isNaN(d.getTime()) ? f.date(d, false) : '—';
      },
      dateTime: (iso) => {
        const d = iso ? new Date(iso) : null;
        return d && !Number.isNaN(d.getTime()) ? f.date(d, true) : '—';
      },
      day: (isoDate) => {
        const d = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
        return Number.isNaN(d.getTime()) ? isoDate : f.day(d);
      },
    };
    // `loaded`: a new value, so every string is looked up again once a whole dictionary is in.
  }, [lang, setLang, loaded]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

export type { MessageKey };
