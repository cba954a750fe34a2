/**
 * A page's code that cannot be loaded (production build; every page is its own chunk): the
 * phone's network drops for a moment, or a tab left open across a deploy asks for an old hashed
 * file that is gone (404). The user gets a screen in their language saying so, with a "Try
 * again" button (a real button, usable from the keyboard) that reloads the page — never a blank
 * screen, a raw error or a key — while the layout's navigation still opens other pages
 * (web/src/components/LoadFailure.tsx). Its sentence is in each dictionary's first part, so it
 * reads right when the whole dictionary could not be loaded either. The signed-in app's own
 * chunk failing at sign-in ends in the same screen.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
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

  let context: BrowserContext | undefined;
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  test(
    'uz, a phone: the network drops as the page opens; the menu still works; "Try again" shows the page',
    async () => {
      context = await browser.newContext(PHONE);
      const page = await context.newPage();
      const errors = uncaught(page);
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
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript(() =>
        (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage.setItem(
          'simcard.lang',
          'ru',
        ),
      );
      // The whole Russian dictionary unreachable too: the screen's strings come with the first part.
      await context.route(WHOLE_RUSSIAN, (route) => route.abort('internetdisconnected'));
      const page = await context.newPage();
      const errors = uncaught(page);
      await signIn(page, stack, 'admin', stack.adminPassword);

      await context.route(SHOPS_PAGE, (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not Found' }));
      await openFromNav(page, 'shops');
      await expectFailureScreen(page, 'ru');

      await openFromNav(page, 'simcards');
      await page.locator('#sims-title').waitFor({ state: 'visible', timeout: 30_000 });
      expect(await page.getByTestId('load-failure').count()).toBe(0);

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
    'uz, a phone: the signed-in app’s own file gone at sign-in; the same screen, and "Try again" signs in to the app',
    async () => {
      context = await browser.newContext(PHONE);
      const page = await context.newPage();
      const errors = uncaught(page);
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
