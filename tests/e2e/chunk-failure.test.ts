/**
 * A page's code that cannot be loaded (production build; every page is its own chunk): the
 * phone's network drops for a moment, or a tab left open across a deploy asks for an old hashed
 * file that is gone (404). The user gets a screen in their language saying so, with a "Try
 * again" button (a real button, usable from the keyboard) that reloads the page — never a blank
 * screen, a raw error or a key — while the layout's navigation still opens other pages
 * (web/src/components/LoadFailure.tsx). Its sentence is in each dictionary's first part, so it
 * reads right when the whole dictionary could not be loaded either. The signed-in app's own
 * chunk failing at sign-in ends in the same screen.
 *
 * The whole dictionary itself not loaded after a phone's SIM list (its first screen reads from the
 * dictionary's first part): another page shows that screen, or "Loading…" while the dictionary
 * is on its way, never its keys (web/src/components/WholeDictionary.tsx); the next page opened
 * asks for it again.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { browserMissing, launchBrowser } from './support/browser.js';
import { openFromNav, overflowing, PHONE, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const STACK_TIMEOUT = 300_000;
const STEP_TIMEOUT = 120_000;
const suite = browserMissing() ? describe.skip : describe;

type Lang = 'uz' | 'ru' | 'en';
type Dictionary = Record<string, string>;
/** The web app's catalogues, loaded at run time (bundler-resolved modules, as languages.test.ts does). */
const dictionaries = {} as Record<Lang, Dictionary>;

/** The chunks made to fail (web/vite.config.ts names them after their module). */
const HANDOVERS_PAGE = /\/assets\/HandoversPage-[\w-]+\.js$/;
const SHOPS_PAGE = /\/assets\/ShopsPage-[\w-]+\.js$/;
const SIGNED_IN_APP = /\/assets\/signed-in-[\w-]+\.js$/;
/** The whole Russian dictionary (not its first part, ru.first-*.js). */
const WHOLE_RUSSIAN = /\/assets\/ru-[\w-]+\.js$/;

/** A dictionary key's shape (web/src/i18n/uz.ts): words joined by dots. */
const KEY_SHAPE = /\b[a-z_]+\.[a-z0-9_.]+\b/g;

/**
 * The dictionary's keys the page shows as they are, strings never looked up: in its visible
 * text, its title and the labels, titles and placeholders a screen reader reads out.
 */
async function rawKeys(page: Page, lang: Lang): Promise<string[]> {
  const texts = await page.evaluate(() => {
    interface El {
      getAttribute(name: string): string | null;
    }
    const doc = (globalThis as unknown as { document: { title: string; body: { innerText: string }; querySelectorAll(s: string): El[] } })
      .document;
    const out = [doc.title, doc.body.innerText];
    for (const el of doc.querySelectorAll('[aria-label], [title], [placeholder], [alt]'))
      for (const name of ['aria-label', 'title', 'placeholder', 'alt']) out.push(el.getAttribute(name) ?? '');
    return out;
  });
  const keys = new Set(Object.keys(dictionaries[lang]));
  return [...new Set(texts.flatMap((text) => text.match(KEY_SHAPE) ?? []))].filter((word) => keys.has(word));
}

/** What the page threw without anyone catching it (uncaught errors, unhandled rejections). */
function uncaught(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** The failure screen reads `lang`'s sentence for a chunk not loaded, and its button, nothing else. */
async function expectFailureScreen(page: Page, lang: Lang): Promise<void> {
  const screen = page.getByTestId('load-failure');
  await screen.waitFor({ state: 'visible', timeout: 30_000 });
  expect((await screen.locator('p').innerText()).trim()).toBe(dictionaries[lang]['load_failure.chunk']);
  const button = screen.getByRole('button');
  expect((await button.innerText()).trim()).toBe(dictionaries[lang]['load_failure.retry']);
  expect(await button.evaluate((el) => (el as { tagName: string }).tagName)).toBe('BUTTON');
}

/** The browser remembers Russian (as the language switcher stores it), before any page of the context. */
async function rememberRussian(context: BrowserContext): Promise<void> {
  await context.addInitScript(() =>
    (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage.setItem('simcard.lang', 'ru'),
  );
}

/** "Try again" from the keyboard (focused, Enter): the page reloads. */
async function tryAgainByKeyboard(page: Page): Promise<void> {
  await page.getByTestId('load-failure').getByRole('button').focus();
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
}

suite('a page whose code cannot be loaded', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    for (const lang of ['uz', 'ru', 'en'] as const) {
      const module = (await import(new URL(`../../web/src/i18n/${lang}.ts`, import.meta.url).href)) as Record<string, Dictionary>;
      dictionaries[lang] = module[lang]!;
    }
    stack = await startStack({ prod: true });
    const api = await StackApi.asAdmin(stack);
    const shop = await api.createShop('Chilonzor Aloqa', 'CHI01');
    await api.giveSimcards(shop.id, iccids('84', 3));
    await api.createStaff('malika', 'malika-password-1', shop.id);
    await api.createStaff('rustam', 'rustam-password-1', shop.id);
    browser = await launchBrowser();
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  /** The test's browser context, closed after it. */
  let opened: BrowserContext | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  /** A new context (closed after the test) and a page in it, with what it throws uncaught; `russian`: remembered as the language. */
  async function open(
    options: BrowserContextOptions,
    { russian = false } = {},
  ): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = (opened = await browser.newContext(options));
    if (russian) await rememberRussian(context);
    const page = await context.newPage();
    return { context, page, errors: uncaught(page) };
  }

  test(
    'uz, a phone: the network drops as the page opens; the menu still works; "Try again" shows the page',
    async () => {
      const { context, page, errors } = await open(PHONE);
      await signIn(page, stack, 'malika', 'malika-password-1');

      await context.route(HANDOVERS_PAGE, (route) => route.abort('internetdisconnected'));
      await openFromNav(page, 'handovers');
      await expectFailureScreen(page, 'uz');
      expect(await overflowing(page)).toEqual([]);

      // The layout stays: another page opens from the menu, and the failure is gone.
      await openFromNav(page, 'simcards');
      await page.locator('#sims-title').waitFor({ state: 'visible', timeout: 30_000 });
      expect(await page.getByTestId('load-failure').count()).toBe(0);

      // Back to the page that failed: the same screen; the network back, "Try again" shows it.
      await openFromNav(page, 'handovers');
      await expectFailureScreen(page, 'uz');
      await context.unroute(HANDOVERS_PAGE);
      await tryAgainByKeyboard(page);
      await expect(page.locator('#ho-title').innerText({ timeout: 30_000 })).resolves.toBe(dictionaries.uz['nav.handovers']);
      expect(await page.getByTestId('load-failure').count()).toBe(0);
      expect(errors).toEqual([]);
    },
    STEP_TIMEOUT,
  );

  test(
    'ru, after a deploy: the page’s old file is gone (404) and so is the whole dictionary; the screen is in Russian',
    async () => {
      const { context, page, errors } = await open({ viewport: { width: 1280, height: 900 } }, { russian: true });
      // The whole Russian dictionary unreachable too: the screen's strings come with the first part.
      await context.route(WHOLE_RUSSIAN, (route) => route.abort('internetdisconnected'));
      await signIn(page, stack, 'admin', stack.adminPassword);

      await context.route(SHOPS_PAGE, (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not Found' }));
      await openFromNav(page, 'shops');
      await expectFailureScreen(page, 'ru');

      // The menu still opens another page. The admin's SIM table needs the whole dictionary too (only
      // a phone's card list is in its first part): the same screen there, never the table's keys.
      await openFromNav(page, 'simcards');
      await expectFailureScreen(page, 'ru');
      expect(await rawKeys(page, 'ru')).toEqual([]);

      await openFromNav(page, 'shops');
      await expectFailureScreen(page, 'ru');
      // The new release is served: the reload asks for what its index.html names.
      await context.unroute(SHOPS_PAGE);
      await context.unroute(WHOLE_RUSSIAN);
      await page.getByTestId('load-failure').getByRole('button').click();
      await page.waitForURL('**/shops');
      await expect(page.locator('#shops-title').innerText({ timeout: 30_000 })).resolves.toBe(dictionaries.ru['nav.shops']);
      expect(await page.getByTestId('load-failure').count()).toBe(0);
      expect(errors).toEqual([]);
    },
    STEP_TIMEOUT,
  );

  test(
    'ru, a phone: the whole dictionary not loaded after the SIM list; another page shows the failure screen in Russian, never its keys; the network back, the next page opened reads right',
    async () => {
      const { context, page, errors } = await open(PHONE, { russian: true });
      // The phone's network drops whenever the whole Russian dictionary is asked for (at the sign-in, after the list's rows).
      await context.route(WHOLE_RUSSIAN, (route) => route.abort('internetdisconnected'));
      await signIn(page, stack, 'malika', 'malika-password-1');
      // The SIM list as a phone's first screen (a stored session, from the URL): from the dictionary's first part.
      await page.goto(`${stack.web}/simcards`);
      await expect(page.locator('#sims-title').innerText({ timeout: 30_000 })).resolves.toBe(dictionaries.ru['nav.simcards']);
      await page.getByTestId('sim-row').first().waitFor({ state: 'visible', timeout: 30_000 });
      expect(await rawKeys(page, 'ru')).toEqual([]);

      // Another page, whose strings are in the whole dictionary only: the failure screen in Russian, no key anywhere.
      await openFromNav(page, 'handovers');
      await page.locator('[data-testid="load-failure"], #ho-list-title').first().waitFor({ state: 'visible', timeout: 30_000 });
      expect(await rawKeys(page, 'ru')).toEqual([]);
      await expectFailureScreen(page, 'ru');
      expect(await overflowing(page)).toEqual([]);
      // A reload on that page (it waits for the whole dictionary before its first render): the same, still in Russian.
      await page.goto(`${stack.web}/handovers`);
      await page.locator('[data-testid="load-failure"], #ho-list-title').first().waitFor({ state: 'visible', timeout: 30_000 });
      expect(await rawKeys(page, 'ru')).toEqual([]);
      await expectFailureScreen(page, 'ru');
      // The layout stays in Russian: the SIM list still opens from the menu.
      await openFromNav(page, 'simcards');
      await page.getByTestId('sim-row').first().waitFor({ state: 'visible', timeout: 30_000 });
      expect(await rawKeys(page, 'ru')).toEqual([]);

      // The network back: the next page opened asks again, and shows its Russian text (no reload).
      await context.unroute(WHOLE_RUSSIAN);
      await openFromNav(page, 'handovers');
      await expect(page.locator('#ho-list-title').innerText({ timeout: 30_000 })).resolves.toBe(dictionaries.ru['handover.list']);
      expect(await page.getByTestId('load-failure').count()).toBe(0);
      expect(await rawKeys(page, 'ru')).toEqual([]);
      expect(errors).toEqual([]);
    },
    STEP_TIMEOUT,
  );

  test(
    'ru, a phone: while the whole dictionary is on its way, another page says "Loading…" in Russian, then shows its text',
    async () => {
      const { context, page, errors } = await open(PHONE, { russian: true });
      await signIn(page, stack, 'rustam', 'rustam-password-1');
      // A slow network: the whole dictionary's answer is held until the test lets it through.
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let asked = () => {};
      const dictionaryAsked = new Promise<void>((resolve) => (asked = resolve));
      await context.route(WHOLE_RUSSIAN, async (route) => {
        asked();
        await released;
        await route.continue();
      });
      await page.goto(`${stack.web}/simcards`);
      await page.getByTestId('sim-row').first().waitFor({ state: 'visible', timeout: 30_000 });
      await dictionaryAsked;

      await openFromNav(page, 'handovers');
      // The page waits for its strings (not only for its own chunk, whose "Loading…" is another element).
      const loading = page.getByTestId('dictionary-loading');
      await expect(loading.innerText({ timeout: 30_000 })).resolves.toBe(dictionaries.ru['common.loading']);
      expect(await rawKeys(page, 'ru')).toEqual([]);
      expect(await page.getByTestId('load-failure').count()).toBe(0);

      release();
      await expect(page.locator('#ho-list-title').innerText({ timeout: 30_000 })).resolves.toBe(dictionaries.ru['handover.list']);
      expect(await rawKeys(page, 'ru')).toEqual([]);
      expect(errors).toEqual([]);
    },
    STEP_TIMEOUT,
  );

  test(
    'uz, a phone: the signed-in app’s own file gone at sign-in; the same screen, and "Try again" signs in to the app',
    async () => {
      const { context, page, errors } = await open(PHONE);
      await context.route(SIGNED_IN_APP, (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not Found' }));
      await page.goto(`${stack.web}/`);
      await page.getByTestId('login-username').fill('rustam');
      await page.getByTestId('login-password').fill('rustam-password-1');
      await page.getByTestId('login-submit').click();
      await expectFailureScreen(page, 'uz');
      expect(await overflowing(page)).toEqual([]);

      await context.unroute(SIGNED_IN_APP);
      await tryAgainByKeyboard(page);
      await page.getByTestId('current-user').waitFor({ state: 'attached', timeout: 30_000 });
      expect(await page.getByTestId('load-failure').count()).toBe(0);
      expect(errors).toEqual([]);
    },
    STEP_TIMEOUT,
  );
});
