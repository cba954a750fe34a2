/**
 * Issue 13: every screen in every language. The admin walks each page in uz, ru and en (and
 * previews the sample file whose ICCIDs lack their check digit, so import reasons are on screen);
 * a text of the page fails the test when it is
 * - on a ru/uz page, an English sentence of the catalogue the language translates otherwise
 *   (a string left in English), or the server's English import reason;
 * - anywhere, an untranslated key or code (`status.sold`, `in_stock`, `iccid.check_digit`).
 * Data (names, numbers, dates, ICCIDs) passes: only catalogue strings and codes are looked for.
 * And the sign-in form, sent empty, says "fill in this field" in the page's language (no browser bubble).
 * Then shop staff on a phone walk their screens (today, the card list, handovers, confirming one)
 * the same way; an ICCID typed with a wrong check digit is said in the page's language, and so is
 * an import file cut short (its `file` detail's code). A wrong password is said in the page's
 * language from the moment its error shows, though that box's module and strings come late.
 */
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { browserMissing, CHROMIUM } from './support/browser.js';
import { signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const suite = browserMissing() ? describe.skip : describe;
const SCREENS = [
  '/',
  '/shops',
  '/simcards',
  '/import',
  '/handovers',
  '/check-runs',
  '/logs',
  '/users',
  '/api-keys',
  '/statements',
  '/commission-rules',
  '/chase',
  '/anomalies',
];
/** The staff's phone screens; `/handovers/{id}` (confirming a handover) is added with its id. */
const STAFF_SCREENS = ['/', '/simcards', '/handovers'];
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const EXAMPLE = fileURLToPath(new URL('../../examples/uzmobile-no-check-digit.csv', import.meta.url));
type Lang = 'uz' | 'ru' | 'en';
type Dictionary = Record<string, string>;
/**
 * The web app's catalogues, loaded at run time: they are the web app's modules (bundler
 * resolution), which this project's compiler (NodeNext) would refuse to follow statically.
 */
const dictionaries = {} as Record<Lang, Dictionary>;
async function loadDictionaries(): Promise<void> {
  for (const lang of ['uz', 'ru', 'en'] as const) {
    const module = (await import(new URL(`../../web/src/i18n/${lang}.ts`, import.meta.url).href)) as Record<string, Dictionary>;
    dictionaries[lang] = module[lang]!;
  }
}

/** Catalogue sentences with their placeholders and plural parts as wildcards. */
function sentencePattern(text: string): RegExp | null {
  const fixed = text.replace(/\{\w+, plural,.*\}\}?/g, '\u0000').replace(/\{\w+\}/g, '\u0000');
  const words = fixed.split('\u0000').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // eslint-disable-next-line no-control-regex -- \u0000 is the placeholder put in just above
  if (fixed.replace(/\u0000/g, '').trim().length < 4) return null; // "OK", "ID", "SIM": shared by the languages
  return new RegExp(`^${words.join('.*')}$`, 's');
}

/** English catalogue sentences that `lang` says otherwise: finding one on its page is an untranslated string. */
function englishOnly(lang: Lang): RegExp[] {
  const own = dictionaries[lang];
  const out: RegExp[] = [];
  for (const [key, text] of Object.entries(dictionaries.en)) {
    if (own[key] === text || !/[a-z]{3}/i.test(text)) continue;
    const pattern = sentencePattern(text);
    if (pattern) out.push(pattern);
  }
  return out;
}

const CODE = /^([a-z]+\.[a-z_.]+|[a-z]+_[a-z_]+)$/; // status.sold, in_stock, iccid.check_digit
const SERVER_ENGLISH = /must be|check digit is wrong|is missing|if the operator/;

async function pageTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const out: string[] = [];
    const walker = doc.createTreeWalker(doc.querySelector('main') ?? doc.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest('code, .mono, script, style')) continue;
      const text = String(node.textContent ?? '').trim();
      if (text) out.push(text);
    }
    for (const el of doc.querySelectorAll('[placeholder], [aria-label], [title]')) {
      for (const attr of ['placeholder', 'aria-label', 'title']) {
        const v = el.getAttribute(attr);
        if (v) out.push(v.trim());
      }
    }
    return out;
  });
}

/** Texts of the page that are not the language's: untranslated codes, English catalogue sentences, the server's English. */
function leaks(lang: Lang, where: string, texts: string[], english: RegExp[]): string[] {
  const found: string[] = [];
  for (const text of texts) {
    if (CODE.test(text)) found.push(`${where}: untranslated code "${text}"`);
    else if (english.some((p) => p.test(text))) found.push(`${where}: English "${text}"`);
    else if (lang !== 'en' && SERVER_ENGLISH.test(text)) found.push(`${where}: the server's English "${text}"`);
  }
  return found;
}

/** Waits until the screen has its heading and nothing is loading. */
async function loaded(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor({ timeout: 30_000 });
  // Not "networkidle": the live event stream never idles. Loaded: nothing busy, no "loading" text.
  await page.waitForFunction(() => !(globalThis as any).document.querySelector('[aria-busy="true"]'), undefined, {
    timeout: 30_000,
  });
  await page.waitForTimeout(700);
}

suite('every screen in every language', () => {
  let stack: Stack;
  let browser: Browser;
  /** The shop's SIMs, and a box of SIMs handed over to it, waiting for the staff to confirm. */
  const shopSims = iccids('61', 3);
  const box = iccids('62', 3);
  let handoverId: number;

  beforeAll(async () => {
    await loadDictionaries();
    stack = await startStack({ prod: false });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    const api = await StackApi.asAdmin(stack);
    const shop = await api.createShop('Chilonzor Aloqa', 'TSH-01');
    await api.createStaff('shop1', 'staff-password-1', shop.id);
    await api.giveSimcards(shop.id, shopSims);
    for (const iccid of box) await api.call('POST', '/simcards', { iccid });
    handoverId = (await api.call<{ id: number }>('POST', '/handovers', { shop_id: shop.id, iccids: box })).id;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test.each(['uz', 'ru', 'en'] as const)(
    '%s: no English left on the page, no untranslated codes',
    async (lang) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((l) => (globalThis as any).localStorage.setItem('simcard.lang', l), lang);
      const page = await context.newPage();
      try {
        // Form validation speaks the page's language: no browser bubble, our sentence under the field.
        await page.goto(`${stack.web}/`);
        await page.getByTestId('login-submit').click();
        await expect(page.getByTestId('field-error').first().innerText({ timeout: 10_000 })).resolves.toBe(
          dictionaries[lang]['form.required'],
        );
        expect(await page.getByTestId('login-username').evaluate((el) => el === (globalThis as any).document.activeElement)).toBe(true);
        await signIn(page, stack, 'admin', stack.adminPassword);
        const english = lang === 'en' ? [] : englishOnly(lang);
        const found: string[] = [];
        const inspect = async (where: string) => {
          found.push(...leaks(lang, where, await pageTexts(page), english));
        };
        for (const screen of SCREENS) {
          await page.goto(`${stack.web}${screen}`);
          await loaded(page);
          await inspect(screen);
        }
        // Import reasons: the sample whose ICCIDs lack their check digit, previewed without the option.
        await page.goto(`${stack.web}/import`);
        await page.getByTestId('import-file').setInputFiles(EXAMPLE);
        await page.getByTestId('import-preview-button').click();
        await page.getByTestId('import-invalid-reason').first().waitFor({ timeout: 30_000 });
        const reason = await page.getByTestId('import-invalid-reason').first().innerText();
        expect(reason).toContain(dictionaries[lang]['import.no_check_digit']); // says what the screen offers
        expect(reason).not.toMatch(/check_digit=|\?check/);
        await inspect('/import (preview)');
        // A file cut short: the error's `file` detail (code file.truncated) in the page's language.
        await page
          .getByTestId('import-file')
          .setInputFiles({ name: 'Quti 7.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.from('PK\u0003\u0004 cut') });
        await page.getByTestId('import-preview-button').click();
        const error = page.getByTestId('error-message');
        await error.waitFor({ timeout: 30_000 });
        expect(await error.innerText()).toContain(dictionaries[lang]['reason.file.truncated']);
        await inspect('/import (a file cut short)');
        expect(found).toEqual([]);
      } finally {
        await context.close();
      }
    },
    240_000,
  );

  test.each(['uz', 'ru', 'en'] as const)(
    '%s: the staff phone screens, confirming a handover included, leave no English and no codes',
    async (lang) => {
      const context = await browser.newContext(PHONE);
      await context.addInitScript((l) => (globalThis as any).localStorage.setItem('simcard.lang', l), lang);
      const page = await context.newPage();
      try {
        await signIn(page, stack, 'shop1', 'staff-password-1');
        const english = lang === 'en' ? [] : englishOnly(lang);
        const found: string[] = [];
        for (const screen of [...STAFF_SCREENS, `/handovers/${handoverId}`]) {
          await page.goto(`${stack.web}${screen}`);
          await loaded(page);
          found.push(...leaks(lang, screen, await pageTexts(page), english));
        }
        // Confirming the handover: an ICCID typed with a wrong check digit is said in the page's language, not added.
        const wrong = box[0]!.slice(0, -1) + String((Number(box[0]!.at(-1)) + 1) % 10);
        await page.getByTestId('receipt-input').fill(wrong);
        await page.getByTestId('receipt-add').click();
        const said = await page.getByTestId('field-error').first().innerText({ timeout: 10_000 });
        expect(said).toBe(dictionaries[lang]['reason.iccid.check_digit']!.replace('{expected}', box[0]!.at(-1)!));
        found.push(...leaks(lang, `/handovers/${handoverId} (a mistyped ICCID)`, await pageTexts(page), english));
        // The card list: a mistyped ICCID searched is told with suggestions.
        await page.goto(`${stack.web}/simcards`);
        await loaded(page);
        const mistyped = shopSims[0]!.slice(0, -1) + String((Number(shopSims[0]!.at(-1)) + 1) % 10);
        await page.getByTestId('sim-search').fill(mistyped);
        await page.getByTestId('iccid-suggestions').waitFor({ timeout: 30_000 });
        found.push(...leaks(lang, '/simcards (a mistyped ICCID)', await pageTexts(page), english));
        expect(found).toEqual([]);
      } finally {
        await context.close();
      }
    },
    180_000,
  );

  /**
   * The sign-in screen's error box is not in the first chunk (web/src/components/LazyErrorMessage.tsx):
   * it appears once its module and the whole dictionary are in. Both held back here (their answers
   * delayed), a wrong password is sent at once: the box's first text, when it appears, is already
   * the sentence in the page's language, never a code or a key.
   */
  test.each(['uz', 'ru', 'en'] as const)(
    '%s: a wrong password is said in the language from the moment the error shows, its strings loaded late',
    async (lang) => {
      const context = await browser.newContext(PHONE);
      await context.addInitScript((l) => {
        const g = globalThis as any;
        g.localStorage.setItem('simcard.lang', l);
        // Every text the error box has had, from its first appearance.
        g.__errorTexts = [];
        new g.MutationObserver(() => {
          const box = g.document.querySelector('[data-testid="error-message"]');
          const text = box?.textContent.trim();
          if (text && g.__errorTexts.at(-1) !== text) g.__errorTexts.push(text);
        }).observe(g.document, { childList: true, subtree: true, characterData: true });
      }, lang);
      // The whole dictionaries later than the error box's module (the build's chunks, or the dev
      // server's modules): a box that did not wait for the strings would show a key meanwhile.
      const late = (pattern: RegExp, ms: number) =>
        context.route(pattern, async (route) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          await route.continue();
        });
      await late(/\/(assets\/(uz|ru|en)-[\w-]+\.js|src\/i18n\/(uz|ru|en)\.ts)(\?.*)?$/, 5_000);
      await late(/\/(assets\/errors-[\w-]+\.js|src\/(components\/ErrorMessage\.tsx|i18n\/errors\.ts))(\?.*)?$/, 500);
      const page = await context.newPage();
      try {
        await page.goto(`${stack.web}/`);
        await page.getByTestId('login-username').fill('shop1');
        await page.getByTestId('login-password').fill('not-the-password');
        await page.getByTestId('login-submit').click();
        await page.getByTestId('error-message').waitFor({ timeout: 30_000 });
        const texts = (await page.evaluate(() => (globalThis as any).__errorTexts)) as string[];
        expect(texts).toEqual([dictionaries[lang]['error.invalid_credentials']]);
      } finally {
        await context.close();
      }
    },
    60_000,
  );
});
