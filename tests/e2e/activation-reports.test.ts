/**
 * Issue 15 in a browser, in Uzbek (the app's default language), on the production build:
 * - An admin uploads an operator's activation report (CSV) with discrepancies, sees what it will
 *   do (SIMs to be sold, each discrepancy) before anything changes, confirms, and sees the SIMs
 *   sold on their pages. The saved report's discrepancies download as a CSV in the page's
 *   language (Uzbek, then Russian), for Uzbek and Russian Excel (BOM, `;`, CRLF).
 * - On a 360 px phone, the run screen lets the admin check all operators or only some of those
 *   configured (here Beeline and Ucell, each with its own provider), and a run started for Ucell
 *   alone says so.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Locator, Page } from 'playwright-core';
import { freePort } from '../../scripts/lib/ports.js';
import { excelCsvFile } from '../fixtures/excel-csv.js';
import { iccids, StackApi } from './support/api.js';
import { browserMissing, launchBrowser } from './support/browser.js';
import { expectText, PHONE, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const STACK_TIMEOUT = 300_000;
const STEP_TIMEOUT = 120_000;
const suite = browserMissing() ? describe.skip : describe;

/** Nothing wider than the screen: the page does not scroll sideways. */
async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
    return doc.documentElement.scrollWidth > doc.documentElement.clientWidth;
  });
}

/** The file a click saves: its name and bytes. */
async function downloaded(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return { name: download.suggestedFilename(), bytes: await readFile((await download.path())!) };
}

suite('issue 15: activation reports and per-operator runs in a browser', () => {
  let stack: Stack;
  let api: StackApi;
  let browser: Browser;

  beforeAll(async () => {
    // Two operators, each with its own provider (both served by the start script's simulator).
    const simulator = await freePort();
    const token = 'e2e-operators-token';
    const provider = `http://127.0.0.1:${simulator}`;
    stack = await startStack({
      prod: true,
      env: {
        PROVIDER_SIM_PORT: String(simulator),
        PROVIDER_TOKEN: token,
        PROVIDER_BEELINE_URL: provider,
        PROVIDER_BEELINE_TOKEN: token,
        PROVIDER_UCELL_URL: provider,
        PROVIDER_UCELL_TOKEN: token,
        // Ucell's own schedule, twice a day: shown on the run screen, never due during the test.
        PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: '720',
      },
    });
    browser = await launchBrowser();
    api = await StackApi.asAdmin(stack);
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  test(
    'an admin previews a report with discrepancies, confirms it, and its SIMs are sold',
    async () => {
      const shop = await api.createShop('Chilonzor aloqa', 'CHL15');
      const [atShop1, atShop2, inStock, unknown] = iccids('15', 4);
      await api.giveSimcards(shop.id, [atShop1!, atShop2!]);
      await api.call('POST', '/simcards', { iccid: inStock, operator: 'beeline' });
      const idOf = async (iccid: string) => (await api.call<{ data: Array<{ id: number }> }>('GET', `/simcards?q=${iccid}`)).data[0]!.id;
      const ids = { atShop1: await idOf(atShop1!), atShop2: await idOf(atShop2!), inStock: await idOf(inStock!) };
      const status = async (id: number) => (await api.call<{ status: string }>('GET', `/simcards/${id}`)).status;

      // The operator's words: Russian headers, semicolons, its date format (Tashkent wall time, to the
      // minute); a minute ahead, so that it is after the SIMs reached the shop (5 minutes of clock skew are allowed).
      const activated = new Date(Date.now() + 5 * 3600_000 + 60_000);
      const day = `${String(activated.getUTCDate()).padStart(2, '0')}.${String(activated.getUTCMonth() + 1).padStart(2, '0')}.${activated.getUTCFullYear()}`;
      const at = `${day} ${String(activated.getUTCHours()).padStart(2, '0')}:${String(activated.getUTCMinutes()).padStart(2, '0')}`;
      const csv = [
        'ICCID;Дата активации;Оператор',
        `${atShop1};${at};beeline`,
        `${atShop2};${at};beeline`,
        `${inStock};${at};beeline`,
        `${unknown};${at};beeline`,
        `${atShop1!.slice(0, -3)};${at};beeline`,
      ].join('\r\n');

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      try {
        await signIn(page, stack, 'admin', stack.adminPassword);
        await page.goto(`${stack.web}/activation-reports`);
        await page.getByRole('heading', { level: 1, name: 'Faollashtirish hisobotlari' }).waitFor();
        await page
          .getByTestId('activation-file')
          .setInputFiles({ name: 'beeline-hisobot.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
        await expectText(page.getByTestId('activation-file-name'), /beeline-hisobot\.csv/);
        await page.getByTestId('activation-check').click();

        // The preview: what the report will do, and what does not agree, before anything changes.
        const preview = page.getByTestId('activation-preview');
        await expectText(preview.getByRole('heading', { level: 2 }), /Oldindan koʻrish/);
        await expectText(preview.getByTestId('activation-rows'), /5/);
        await expectText(preview.getByTestId('activation-sold'), /3/);
        await expectText(preview.getByTestId('activation-discrepancy-count'), /3/);
        const kinds = await preview
          .getByTestId('activation-discrepancy')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
        expect(kinds.sort()).toEqual(['activated_in_stock', 'invalid_row', 'unknown_iccid']);
        await expectText(preview.getByTestId('activation-discrepancies'), /Nomaʼlum ICCID/);
        await expectText(preview.getByTestId('activation-discrepancies'), /Faol, lekin omborimizda/);
        await expectText(preview.getByTestId('activation-discrepancies'), new RegExp(unknown!));
        expect(await status(ids.atShop1)).toBe('assigned');
        expect(await status(ids.inStock)).toBe('in_stock');
        expect((await api.call<{ total: number }>('GET', '/activation-reports')).total).toBe(0);

        await page.getByTestId('activation-confirm').click();
        const result = page.getByTestId('activation-result');
        await expectText(result.getByRole('heading', { level: 2 }), /Hisobot saqlandi/);
        await expectText(result.getByTestId('activation-sold'), /3/);
        await expectText(page.getByTestId('activation-history'), /beeline-hisobot\.csv/);
        expect(await page.getByTestId('activation-preview').count()).toBe(0);

        // The discrepancies as CSV, in the page's language (Uzbek): headers, kinds and details from
        // the dictionaries, never the API's English reason.
        const uzFile = await downloaded(page, result.getByTestId('activation-csv'));
        expect(uzFile.name).toMatch(/^activation-report-\d+-discrepancies\.csv$/);
        const [uzHeader, ...uzRows] = excelCsvFile(uzFile.bytes);
        expect(uzHeader).toEqual([
          'Qator',
          'ICCID',
          'Nima',
          'Tafsilotlar',
          'Faollashtirilgan (hisobotda)',
          'Telefon raqami (hisobotda)',
          'Holati (bizda)',
          'Telefon raqami (bizda)',
          'Sotilgan (bizda)',
        ]);
        expect(uzRows).toHaveLength(3);
        const uzUnknown = uzRows.find((r) => r[1] === unknown)!;
        expect(uzUnknown.slice(0, 4)).toEqual(['5', unknown, 'Nomaʼlum ICCID', 'Bu ICCID bizning yozuvlarimizda yoʻq']);
        expect(uzFile.bytes.toString('utf8')).not.toMatch(/not in our records|never handed|reason|kind/);

        // The same report's file on a Russian page: in Russian.
        await page.evaluate(() =>
          (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('simcard.lang', 'ru'),
        );
        await page.reload();
        await page.getByRole('heading', { level: 1, name: 'Отчёты об активации' }).waitFor();
        const ruFile = await downloaded(page, page.getByTestId('activation-history').getByTestId('activation-csv').first());
        const [ruHeader, ...ruRows] = excelCsvFile(ruFile.bytes);
        expect(ruHeader!.slice(0, 4)).toEqual(['Строка', 'ICCID', 'Что', 'Подробности']);
        expect(ruHeader![6]).toBe('Статус (у нас)');
        expect(ruRows.find((r) => r[1] === unknown)!.slice(2, 4)).toEqual(['Неизвестный ICCID', 'Этого ICCID нет в наших записях']);
        const ruStock = ruRows.find((r) => r[1] === inStock)!;
        expect(ruStock[6]).toBe('На складе');
        expect(ruFile.bytes.toString('utf8')).not.toMatch(/not in our records|never handed|in_stock/);
        await page.evaluate(() =>
          (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('simcard.lang', 'uz'),
        );

        // The SIMs are sold, on their own pages.
        for (const id of Object.values(ids)) {
          await page.goto(`${stack.web}/simcards/${id}`);
          await page.getByTestId('sim-iccid').waitFor();
          await expectText(page.locator('.page-head'), /Sotilgan/);
          expect(await status(id)).toBe('sold');
        }
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'on a 360 px phone, a run is limited to the operators the admin picks',
    async () => {
      const context = await browser.newContext(PHONE);
      const page = await context.newPage();
      try {
        await signIn(page, stack, 'admin', stack.adminPassword);
        await page.goto(`${stack.web}/check-runs`);
        const picker = page.getByTestId('run-operator-picker');
        await picker.waitFor();
        await expectText(picker, /Operatorlar/);
        const choices = picker.getByTestId('run-operator-choice');
        expect(await choices.evaluateAll((inputs) => inputs.map((i) => i.getAttribute('data-operator')))).toEqual(['beeline', 'ucell']);
        // All by default; none ticked: nothing to start, and the page says why.
        expect(await page.getByTestId('run-operators-all').isChecked()).toBe(true);
        await page.getByTestId('run-operators-all').uncheck();
        await expectText(page.getByTestId('run-operators-none'), /Kamida bitta operatorni tanlang/);
        expect(await page.getByTestId('run-start').isDisabled()).toBe(true);
        await picker.locator('[data-operator="ucell"]').check();
        expect(await page.getByTestId('run-operators-all').isChecked()).toBe(false);
        // What runs by itself: Ucell's schedule and when it is next due; Beeline has none (AUTO_CHECK_INTERVAL_MIN is off).
        await expectText(page.getByTestId('run-schedules'), /Rejalashtirilgan tekshiruvlar/);
        expect(await page.getByTestId('run-schedule').count()).toBe(1);
        await expectText(page.getByTestId('run-schedule'), /ucell: har 720 daqiqada · keyingisi \S/);
        expect(await scrollsSideways(page)).toBe(false);

        await page.getByTestId('run-start').click();
        const current = page.getByTestId('current-run');
        await expectText(current, /Faqat: ucell/);
        const run = (await api.call<{ data: Array<{ operators: string[] | null }> }>('GET', '/check-runs?limit=1')).data[0]!;
        expect(run.operators).toEqual(['ucell']);
        expect(await scrollsSideways(page)).toBe(false);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );
});
