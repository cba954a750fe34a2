/**
 * One contract, seen from a second tab (issue 13): the dashboard open in one tab follows what
 * happens elsewhere without a reload — a check run started from another tab, from running to
 * completed with its final counts and the sales it found, and then a single sale. The figures come
 * from the query cache, which the live event stream invalidates (web/src/live/invalidate.tsx).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { browserMissing, launchBrowser } from './support/browser.js';
import { expectText, openFromNav, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const STACK_TIMEOUT = 300_000;
const suite = browserMissing() ? describe.skip : describe;

suite('the dashboard in a second tab', () => {
  const SIMS = 30;
  // The operator has activated three of them before the run; a fourth sells afterwards.
  const sims = iccids('57', SIMS);
  const soldBeforeRun = sims.slice(0, 3);
  const soldLater = sims[3]!;
  let stack: Stack;
  let browser: Browser;
  let api: StackApi;
  let context: BrowserContext;
  let actor: Page;
  let dashboard: Page;

  beforeAll(async () => {
    stack = await startStack({ prod: true });
    browser = await launchBrowser();
    api = await StackApi.asAdmin(stack);
    const shop = await api.createShop('Samarqand darvoza', 'SMQ57');
    await api.giveSimcards(shop.id, sims);
    // Slow answers: the run lasts seconds, long enough to be seen running.
    await api.simulatorConfig({ latency_ms: 1500, error_rate: 0, timeout_rate: 0, garbage_rate: 0, sales_per_minute: 0 });
    for (const iccid of soldBeforeRun) await api.simulatorActivate(iccid);

    // Two tabs of one browser session: the same sign-in, two pages.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    actor = await context.newPage();
    await signIn(actor, stack, 'admin', stack.adminPassword);
    dashboard = await context.newPage();
    await dashboard.goto(`${stack.web}/`);
    await expectText(dashboard.getByTestId('sold-count'), /^0$/);
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  test('follows a check run started in the other tab from running to completed, with the sales it found', async () => {
    await mark(dashboard);
    await openFromNav(actor, 'check-runs');
    await actor.getByTestId('run-start').click();

    await dashboard.locator('[data-testid="last-run"][data-status="running"]').waitFor({ timeout: 30_000 });
    const done = dashboard.locator(`[data-testid="last-run"][data-status="completed"][data-done="${SIMS}"][data-total="${SIMS}"]`);
    await done.waitFor({ timeout: 90_000 });
    await expectText(dashboard.getByTestId('sold-count'), new RegExp(`^${soldBeforeRun.length}$`));
    expect(await stillSameDocument(dashboard)).toBe(true);
  }, 150_000);

  test('shows a single sale without a reload', async () => {
    await api.simulatorActivate(soldLater);
    const { data } = await api.call<{ data: Array<{ id: number }> }>('GET', `/simcards?q=${soldLater}`);
    await api.call('GET', `/simcards/${data[0]!.id}/check-status`);
    await expectText(dashboard.getByTestId('sold-count'), new RegExp(`^${soldBeforeRun.length + 1}$`), 10_000);
    expect(await stillSameDocument(dashboard)).toBe(true);
  }, 60_000);
});

type Marked = { __sameDocument?: number };

/** Marks the tab's document; a reload (or any page load) would lose the mark. */
function mark(page: Page): Promise<void> {
  return page.evaluate(() => {
    (globalThis as Marked).__sameDocument = 1;
  });
}

function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as Marked).__sameDocument === 1);
}
