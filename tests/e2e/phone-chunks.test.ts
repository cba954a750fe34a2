/**
 * Issue 14 goal 6: what the SIM list's first screen downloads, production build. A phone (staff,
 * or an admin on a narrow screen) loads the first chunk, the signed-in app's and the SIM list's
 * page (with the badges, ICCID and scanner parts it uses): no other page's code, not the other
 * pages' shared parts (charts, dialogs, pager…), and not the desktop table (SimTable with its
 * dialogs), which an admin's wide screen loads and shows. web/vite.config.ts (chunkGroups)
 * decides the chunks; bench/RESULTS.md has the timings (bench/src/phone-first-screen.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { browserMissing, launchBrowser } from './support/browser.js';
import { overflowing, PHONE, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const STACK_TIMEOUT = 300_000;
const STEP_TIMEOUT = 90_000;
const suite = browserMissing() ? describe.skip : describe;

/** The page's localStorage (this project compiles without the DOM's types). */
interface Storage {
  getItem(key: string): string | null;
}

/** The chunks a phone's SIM list may load: web/vite.config.ts's groups (the page's holds the parts it uses). */
const PHONE_LIST_CHUNKS = /\/assets\/(index|signed-in|SimcardsPage)-[\w-]+\.js$/;
/** The whole Uzbek dictionary: the first screen's strings are in the first chunk, the rest comes after (web/src/i18n/i18n.tsx). */
const WHOLE_DICTIONARY = /\/assets\/uz-[\w-]+\.js$/;

/**
 * Whether the page asked for the whole dictionary only once everything its rows need was in:
 * the list's chunks and its two API answers (the browser's resource timings).
 */
async function dictionaryAfterRows(page: Page): Promise<{ asked: boolean; afterRows: boolean }> {
  const entries = await page.evaluate(() =>
    (
      globalThis as unknown as {
        performance: { getEntriesByType(t: string): Array<{ name: string; startTime: number; responseEnd: number }> };
      }
    ).performance
      .getEntriesByType('resource')
      .map((e) => ({ name: new URL(e.name).pathname, startTime: e.startTime, responseEnd: e.responseEnd })),
  );
  const dictionary = entries.find((e) => WHOLE_DICTIONARY.test(e.name));
  const rowsNeed = entries.filter((e) => PHONE_LIST_CHUNKS.test(e.name) || /^\/api\/(auth\/me|simcards)$/.test(e.name));
  return { asked: dictionary !== undefined, afterRows: !dictionary || rowsNeed.every((e) => e.responseEnd <= dictionary.startTime) };
}

/** The files of one kind (`.js`, `.css`) the page asks for from here on (pathnames). */
function assetsOf(page: Page, ending: string): string[] {
  const asked: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/assets/') && path.endsWith(ending)) asked.push(path);
  });
  return asked;
}

suite('issue 14 goal 6: the SIM list loads its own code only', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack({ prod: true });
    const api = await StackApi.asAdmin(stack);
    const shop = await api.createShop('Yunusobod Aloqa', 'YUN01');
    await api.giveSimcards(shop.id, iccids('83', 5));
    await api.createStaff('dilnoza', 'dilnoza-password-1', shop.id);
    browser = await launchBrowser();
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  /** Signed in as `who`, then /simcards in a new context holding only that session (nothing cached): a first visit from the URL. */
  async function firstVisit(
    who: [string, string],
    viewport: object,
  ): Promise<{ page: Page; scripts: string[]; styles: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext(viewport);
    const page = await context.newPage();
    await signIn(page, stack, ...who);
    const stored = (key: string) => page.evaluate((k) => (globalThis as unknown as { localStorage: Storage }).localStorage.getItem(k), key);
    const token = await stored('simcard.token');
    const role = await stored('simcard.role');
    await context.close();
    const fresh = await browser.newContext(viewport);
    await fresh.addInitScript(
      `localStorage.setItem('simcard.token', ${JSON.stringify(token)}); localStorage.setItem('simcard.role', ${JSON.stringify(role)});`,
    );
    const visit = await fresh.newPage();
    const scripts = assetsOf(visit, '.js');
    const styles = assetsOf(visit, '.css');
    await visit.goto(`${stack.web}/simcards`);
    return { page: visit, scripts, styles, close: () => fresh.close() };
  }

  test(
    "staff on a phone: the SIM list's rows, from the first chunk, the signed-in app's and the page's only",
    async () => {
      const { page, scripts, styles, close } = await firstVisit(['dilnoza', 'dilnoza-password-1'], PHONE);
      try {
        await page.getByTestId('sim-row').first().waitFor();
        expect(await page.getByTestId('sim-row').count()).toBe(5);
        expect(scripts.filter((s) => !PHONE_LIST_CHUNKS.test(s) && !WHOLE_DICTIONARY.test(s))).toEqual([]);
        // The rest of the dictionary follows the first screen: asked once the rows had all they need.
        await page.waitForFunction(
          `performance.getEntriesByType('resource').some((e) => ${WHOLE_DICTIONARY}.test(new URL(e.name).pathname))`,
        );
        expect(await dictionaryAfterRows(page)).toEqual({ asked: true, afterRows: true });
        expect(scripts.some((s) => /\/SimcardsPage-/.test(s))).toBe(true);
        // The three chunks before the rows are compiled as they download, off the main thread
        // (V8's compile hint on their first line: web/vite.config.ts, firstScreenCompileHints);
        // not the dictionary, loaded after the rows.
        for (const script of new Set(scripts)) {
          const source = await (await fetch(`${stack.web}${script}`)).text();
          expect({ script, hinted: source.startsWith('//# allFunctionsCalledOnLoad\n') }).toEqual({
            script,
            hinted: PHONE_LIST_CHUNKS.test(script),
          });
        }
        // The list's styles are in the first chunk's stylesheet (web/src/main.tsx): with the three
        // scripts and the two API answers, six requests, which a browser makes side by side.
        expect(styles.filter((s) => !/\/assets\/index-[\w-]+\.css$/.test(s))).toEqual([]);
        expect(await overflowing(page)).toEqual([]);
      } finally {
        await close();
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'an admin on a narrow screen gets the card list without the desktop table; on a wide screen the table, from its own chunk',
    async () => {
      const admin: [string, string] = ['admin', stack.adminPassword];
      const narrow = await firstVisit(admin, PHONE);
      try {
        await narrow.page.getByTestId('sim-row').first().waitFor();
        expect(await narrow.page.getByTestId('sims-table').count()).toBe(0);
        expect(narrow.scripts.filter((s) => !PHONE_LIST_CHUNKS.test(s) && !WHOLE_DICTIONARY.test(s))).toEqual([]);
        expect((await dictionaryAfterRows(narrow.page)).afterRows).toBe(true);
      } finally {
        await narrow.close();
      }
      const wide = await firstVisit(admin, { viewport: { width: 1280, height: 900 } });
      try {
        await wide.page.getByTestId('sims-table').getByTestId('sim-row').first().waitFor();
        expect(wide.scripts.some((s) => /\/sim-table-[\w-]+\.js$/.test(s))).toBe(true);
      } finally {
        await wide.close();
      }
    },
    STEP_TIMEOUT * 2,
  );
});
