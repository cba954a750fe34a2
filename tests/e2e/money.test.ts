/**
 * Issue 17 in a browser: the statements, commission rules, chase and anomaly pages on a 360 px
 * phone (nothing wider than the screen, nothing scrolling sideways) and at desktop width (no
 * serious accessibility violation); an admin marks a shop's month paid and a stock leak reviewed.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { seriousViolations } from './support/axe.js';
import { browserMissing, CHROMIUM } from './support/browser.js';
import { expectText, overflowing, PHONE, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const STACK_TIMEOUT = 300_000;
const STEP_TIMEOUT = 90_000;
const suite = browserMissing() ? describe.skip : describe;

async function settled(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.waitForFunction(() => (globalThis as any).document.querySelector('[aria-busy="true"]') === null);
}

suite('issue 17: money, the chase and anomalies in a browser', () => {
  let stack: Stack;
  let api: StackApi;
  let browser: Browser;
  let shop: { id: number };
  let month: string;
  let leak: { id: number };

  beforeAll(async () => {
    stack = await startStack({ prod: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    api = await StackApi.asAdmin(stack);
    shop = await api.createShop('Yunusobod savdo markazi', 'YNS17');
    const sims = iccids('87', 4);
    await api.giveSimcards(shop.id, sims);
    await api.call('POST', '/commission-rules', { operator: 'beeline', amount: 5000, valid_from: '2020-01-01' });
    await api.call('POST', '/commission-shares', { shop_id: null, kind: 'percent', value: 40, valid_from: '2020-01-01' });
    // An anomaly to review: a Beeline SIM whose number is in Ucell's range.
    leak = await api.call('POST', '/simcards', { iccid: iccids('88', 1)[0], operator: 'beeline', msisdn: '+998931717171' });
    const local = new Date(Date.now() + 5 * 3600_000);
    month = `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  test.each([
    ['statements', '/statements'],
    ["a shop's statement", '/statements/:shop'],
    ['commission rules', '/commission-rules'],
    ['the chase', '/chase'],
    ['anomalies, with a SIM to act on', '/anomalies?kind=operator_prefix_mismatch'],
  ])(
    '%s: fits a 360 px phone and has no serious accessibility violation',
    async (_name, path) => {
      const context = await browser.newContext(PHONE);
      const page = await context.newPage();
      try {
        await signIn(page, stack, 'admin', stack.adminPassword);
        await page.goto(`${stack.web}${path.replace(':shop', String(shop.id))}${path.includes('statements/') ? `?month=${month}` : ''}`);
        await settled(page);
        expect(await overflowing(page)).toEqual([]);
        await page.setViewportSize({ width: 1280, height: 900 });
        await settled(page);
        expect(await seriousViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'an admin records a payment on a statement and marks an anomalous SIM reviewed with a note',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      try {
        await signIn(page, stack, 'admin', stack.adminPassword);
        await page.goto(`${stack.web}/statements?month=${month}`);
        await page.getByRole('link', { name: /Yunusobod/ }).click();
        await page.getByTestId('mark-paid-amount').fill('25000');
        await page.getByTestId('mark-paid-save').click();
        await expectText(page.getByTestId('statement-paid'), /25[\s\u00a0,.]?000/);
        await expectText(page.getByTestId('statement-payments'), /admin/);

        await page.goto(`${stack.web}/anomalies?kind=operator_prefix_mismatch`);
        await settled(page);
        await page.getByTestId('anomalies-reconcile').waitFor();
        const row = page.getByTestId('anomaly-row').filter({ hasText: iccids('88', 1)[0]! });
        await row.getByTestId('anomaly-review').click();
        await page.getByTestId('review-note').fill('Ported number, checked with the customer');
        await page.getByTestId('review-save').click();
        await expectText(row.getByTestId('anomaly-reviewed'), /Ported number/);
        expect(leak.id).toBeGreaterThan(0);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );
});
