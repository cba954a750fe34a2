/**
 * End to end, in a real browser: the stack started by the start script (`npm start -- --prod`:
 * main API, status API, simulated operator, the optimized web app) on a temporary SQLite file,
 * driven through Debian's Chromium. Elements are found by role, label and the web app's stable
 * `data-testid`s, never by layout.
 *
 * The journeys of issue 6: an admin signs in, creates a shop, imports a CSV with one bad row and
 * sees that row's reason, assigns 100 SIMs, starts a check run while the operator sells some and
 * watches the sold count rise on an open page; a staff user sees only their own shop; switching
 * the language changes the page's text; and axe-core finds no serious or critical accessibility
 * violation on any main page. One stack serves the whole file (starting it is the slow part).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { seriousViolations, type Violation } from './support/axe.js';
import { browserMissing, launchBrowser } from './support/browser.js';
import { expectText, mainNav, newSignedInPage, openFromNav, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

/** [name, path, menu item] of every main page; `:shop`/`:simcard` are filled in with real ids. */
const MAIN_PAGES: Array<[string, string, string | null]> = [
  ['the dashboard', '/', 'dashboard'],
  ['shops', '/shops', 'shops'],
  ["a shop's page", '/shops/:shop', null],
  ['SIM cards', '/simcards', 'simcards'],
  ["a SIM's page", '/simcards/:simcard', null],
  ['import', '/import', 'import'],
  ['check runs', '/check-runs', 'check-runs'],
  ['the status-change log', '/logs', 'logs'],
  ['users', '/users', 'users'],
  ['API keys', '/api-keys', 'api-keys'],
];

function withIds(path: string, ids: { shop: number; simcard: number }): string {
  return path.replace(':shop', String(ids.shop)).replace(':simcard', String(ids.simcard));
}

const STACK_TIMEOUT = 300_000;
const STEP_TIMEOUT = 90_000;
const suite = browserMissing() ? describe.skip : describe;

suite('SimCard Manager in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  let api: StackApi;

  beforeAll(async () => {
    stack = await startStack({ prod: true });
    browser = await launchBrowser();
    api = await StackApi.asAdmin(stack);
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  describe("an admin's day, in one browser session", () => {
    const shop = { name: 'Chilonzor savdo markazi', code: 'CHL01' };
    // 100 good rows and, on line 52 of the file (the header is line 1), one ICCID that is too short.
    const goodIccids = iccids('41', 100);
    const badIccid = '8999841123';
    const badLine = 52;
    let context: BrowserContext;
    let page: Page;
    let shopId: number;

    beforeAll(async () => {
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
    });

    test(
      'an admin signs in with the password given at start-up and lands on the dashboard',
      async () => {
        await signIn(page, stack, 'admin', stack.adminPassword);
        await expectText(page.getByTestId('current-user'), /admin/);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.getByTestId('sold-count').waitFor();
      },
      STEP_TIMEOUT,
    );

    test(
      'an admin creates a shop and it is listed',
      async () => {
        await openFromNav(page, 'shops');
        await page.getByTestId('shop-create').click();
        await page.getByTestId('shop-name').fill(shop.name);
        await page.getByTestId('shop-code').fill(shop.code);
        await page.getByTestId('shop-save').click();
        await page.getByTestId('shop-row').filter({ hasText: shop.name }).waitFor();
        const listed = await api.call<{ data: Array<{ id: number; code: string }> }>('GET', `/shops?q=${shop.code}`);
        expect(listed.data.map((s) => s.code)).toEqual([shop.code]);
        shopId = listed.data[0]!.id;
      },
      STEP_TIMEOUT,
    );

    test(
      'importing a CSV with one bad row previews that row with its line and reason, then imports the other 100',
      async () => {
        const rows = goodIccids.map((iccid) => `${iccid},,Ucell,Start,15000`);
        rows.splice(badLine - 2, 0, `${badIccid},,Ucell,Start,15000`);
        const csv = ['iccid,msisdn,operator,tariff,price', ...rows].join('\n') + '\n';

        await openFromNav(page, 'import');
        await page.getByTestId('import-file').setInputFiles({ name: 'ucell-batch.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
        await page.getByTestId('import-preview-button').click();
        const preview = page.getByTestId('import-preview');
        await preview.waitFor();
        await expectText(preview.getByTestId('import-received'), /^101$/);
        const invalid = preview.getByTestId('import-invalid-row');
        await invalid.first().waitFor();
        expect(await invalid.count()).toBe(1);
        expect(await invalid.getAttribute('data-line')).toBe(String(badLine));
        await expectText(invalid, new RegExp(badIccid));
        // The reason names what is wrong: the digit count (19 or 20) in any language.
        await expectText(invalid.getByTestId('import-invalid-reason'), /19.*20|20.*19/);
        // A dry run changes nothing.
        expect((await api.call<{ total: number }>('GET', '/simcards?q=8999841&limit=1')).total).toBe(0);

        await page.getByTestId('import-confirm').click();
        const report = page.getByTestId('import-report');
        await report.waitFor();
        await expectText(report.getByTestId('import-inserted'), /^100$/);
        expect((await api.call<{ total: number }>('GET', '/simcards?q=8999841&limit=1')).total).toBe(100);
      },
      STEP_TIMEOUT,
    );

    test(
      'an admin assigns 100 SIMs from stock to the new shop',
      async () => {
        await openFromNav(page, 'simcards');
        await page.getByTestId('sims-table').waitFor();
        await page.getByTestId('assign-open').click();
        const dialog = page.getByTestId('assign-dialog');
        await dialog.getByTestId('assign-mode-count').check();
        await dialog.getByTestId('assign-count').fill('100');
        await dialog.getByTestId('assign-shop').selectOption(String(shopId));
        await dialog.getByTestId('assign-submit').click();
        await expectText(dialog.getByTestId('assign-result'), /100/);
        await dialog.getByTestId('assign-close').click();

        const atShop = await api.call<{ total: number; data: Array<{ iccid: string; status: string }> }>(
          'GET',
          `/simcards?shop_id=${shopId}&limit=500`,
        );
        expect(atShop.total).toBe(100);
        expect(atShop.data.map((s) => s.iccid).sort()).toEqual([...goodIccids].sort());
        expect(new Set(atShop.data.map((s) => s.status))).toEqual(new Set(['assigned']));
      },
      STEP_TIMEOUT,
    );

    test(
      'a check run started while the operator sells 7 SIMs raises the sold count on an open dashboard without a reload',
      async () => {
        const sold = goodIccids.filter((_, i) => i % 14 === 3); // 7 of them
        expect(sold).toHaveLength(7);
        // Slow answers, so that the run is visibly in progress; the sales are set before it starts.
        await api.simulatorConfig({ latency_ms: 150, error_rate: 0, timeout_rate: 0, garbage_rate: 0, sales_per_minute: 0 });
        for (const iccid of sold) await api.simulatorActivate(iccid);

        await openFromNav(page, 'dashboard');
        const soldCount = page.getByTestId('sold-count');
        await expectText(soldCount, /^0$/);
        // A full reload would drop this; a live update keeps it.
        await page.evaluate(() => ((globalThis as unknown as { e2eNoReload: boolean }).e2eNoReload = true));

        // The run is started in a second tab of the same session, as an admin would.
        const runs = await context.newPage();
        await runs.goto(`${stack.web}/check-runs`);
        await runs.getByTestId('run-start').click();
        const progress = runs.getByTestId('run-progress');
        await progress.waitFor();
        expect(await progress.getAttribute('aria-valuemax')).toBe('100');

        // Meanwhile, on the dashboard: a notice names a sold SIM, and the count reaches 7.
        await page
          .getByTestId('notice')
          .filter({ hasText: new RegExp(sold.join('|')) })
          .first()
          .waitFor({ timeout: 60_000 });
        await expectText(soldCount, /^7$/, 60_000);

        await runs.getByTestId('run-status').locator('.badge-run-completed').waitFor({ timeout: 60_000 });
        expect(await progress.getAttribute('aria-valuenow')).toBe('100');
        await runs.close();
        await expectText(soldCount, /^7$/);
        expect(await page.evaluate(() => (globalThis as unknown as { e2eNoReload?: boolean }).e2eNoReload)).toBe(true);
        const stats = await api.call<{ total: number }>('GET', `/simcards?shop_id=${shopId}&status=sold&limit=1`);
        expect(stats.total).toBe(7);
      },
      STEP_TIMEOUT,
    );
  });

  test(
    'a staff user sees their own shop and its SIMs, and nothing of another shop',
    async () => {
      const own = await api.createShop('Yunusobod doʻkoni', 'YUN01');
      const other = await api.createShop('Samarqand filiali', 'SAM01');
      const ownIccids = iccids('52', 3);
      const otherIccids = iccids('63', 2);
      await api.giveSimcards(own.id, ownIccids);
      await api.giveSimcards(other.id, otherIccids);
      await api.createStaff('dilnoza', 'dilnoza-password-1', own.id);
      const otherSim = (await api.call<{ data: Array<{ id: number }> }>('GET', `/simcards?q=${otherIccids[0]}`)).data[0]!;

      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      try {
        const page = await context.newPage();
        await signIn(page, stack, 'dilnoza', 'dilnoza-password-1');
        await expectText(page.getByRole('heading', { level: 1 }), /Yunusobod doʻkoni/);
        // Admin-only parts are not offered.
        for (const adminOnly of ['shops', 'import', 'check-runs', 'users', 'api-keys']) {
          expect(await page.getByTestId(`nav-${adminOnly}`).count()).toBe(0);
        }

        await page.goto(`${stack.web}/simcards`);
        const rows = page.getByTestId('sim-row');
        await rows.first().waitFor();
        const shown = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-iccid')));
        expect(shown.sort()).toEqual([...ownIccids].sort());

        // Another shop's SIM, even by its address, is not there; nor are the admin pages.
        await page.goto(`${stack.web}/simcards/${otherSim.id}`);
        await page.getByRole('alert').first().waitFor();
        expect(await page.getByText(otherIccids[0]!).count()).toBe(0);
        await page.goto(`${stack.web}/shops`);
        await page.getByRole('alert').first().waitFor();
        expect(await page.getByText('Samarqand filiali').count()).toBe(0);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'switching the language changes the page text and the document language, and is remembered',
    async () => {
      const { context, page } = await newSignedInPage(browser, stack);
      try {
        const nav = mainNav(page);
        const textIn = async (lang: string) => {
          await page.getByTestId('language-switcher').first().selectOption(lang);
          await page.waitForFunction(
            (l) => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang === l,
            lang,
          );
          return { nav: await nav.innerText(), heading: await page.getByRole('heading', { level: 1 }).innerText() };
        };
        // Uzbek is the default.
        expect(
          await page.evaluate(
            () => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang,
          ),
        ).toBe('uz');
        const uz = await textIn('uz');
        const ru = await textIn('ru');
        const en = await textIn('en');
        expect(ru.nav).not.toBe(uz.nav);
        expect(en.nav).not.toBe(uz.nav);
        expect(en.nav).not.toBe(ru.nav);
        expect(ru.heading).not.toBe(uz.heading);
        expect(ru.nav).toMatch(/[а-яё]/i); // Cyrillic
        expect(en.nav).not.toMatch(/[а-яё]/i);

        await page.reload();
        await nav.waitFor();
        expect(await nav.innerText()).toBe(en.nav);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );
  describe('accessibility (axe-core): no serious or critical violations', () => {
    let context: BrowserContext;
    let page: Page;
    let ids: { shop: number; simcard: number };

    beforeAll(async () => {
      const shop = await api.createShop('Axe tekshiruv doʻkoni', 'AXE01');
      const [iccid] = iccids('74', 1);
      await api.giveSimcards(shop.id, [iccid!]);
      const sim = (await api.call<{ data: Array<{ id: number }> }>('GET', `/simcards?q=${iccid}`)).data[0]!;
      ids = { shop: shop.id, simcard: sim.id };
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
    });

    const check = async (where: string) => {
      // Settled: the page's heading is shown and nothing is still loading.
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('[aria-busy="true"]') ===
          null,
      );
      const found = await seriousViolations(page);
      expect({ page: where, violations: found.map(describeViolation) }).toEqual({ page: where, violations: [] });
    };

    test(
      'the sign-in page, on a phone',
      async () => {
        const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
        try {
          const login = await phone.newPage();
          await login.goto(`${stack.web}/`);
          await login.getByTestId('login-form').waitFor();
          const found = await seriousViolations(login);
          expect(found.map(describeViolation)).toEqual([]);
        } finally {
          await phone.close();
        }
      },
      STEP_TIMEOUT,
    );

    // Reached as a person does: the menu for the main pages, a link's address for the detail pages.
    test.each(MAIN_PAGES)(
      '%s (%s)',
      async (name, path, navItem) => {
        if (page.url() === 'about:blank') await signIn(page, stack, 'admin', stack.adminPassword);
        if (navItem) await openFromNav(page, navItem);
        else await page.goto(`${stack.web}${withIds(path, ids)}`);
        await check(name);
      },
      STEP_TIMEOUT,
    );

    // A bookmark or a reload asks the web server for the page's own address.
    test.each(MAIN_PAGES)(
      '%s opens from its address %s',
      async (_name, path) => {
        await page.goto(`${stack.web}${withIds(path, ids)}`);
        await mainNav(page).waitFor();
        await page.getByRole('heading', { level: 1 }).first().waitFor();
      },
      STEP_TIMEOUT,
    );
  });
});

function describeViolation(v: Violation): string {
  return `${v.impact} ${v.id}: ${v.help} (${v.targets.slice(0, 3).join(', ')})`;
}
