/**
 * Issue 16 in a browser: shop staff on a 360×740 phone, and handovers.
 * - Staff find a SIM by the last digits printed on the card, get suggestions for an ICCID typed
 *   with a wrong check digit, scan a card's barcode with the (fake) camera, and confirm a
 *   handover with one SIM missing; no element of any staff page is wider than the screen.
 * - The admin previews a box (a range with gaps), commits it, and prints the sheet (A4 PDF).
 * - Staff of another shop see nothing of it.
 * - The first screen on emulated slow 3G with a 4× slower CPU, production build (the figure goes
 *   to bench/RESULTS.md).
 * One stack for the file; the camera's video is generated here (support/fake-camera.ts).
 * For looking at the result by hand: PHONE_SHOTS=<dir> saves screenshots of the staff pages,
 * HANDOVER_PDF=<file> keeps the printed sheet (pdftoppm -png it), FIRST_SCREEN_OUT=<file> the timings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { seriousViolations } from './support/axe.js';
import { browserMissing, CHROMIUM } from './support/browser.js';
import { writeBarcodeVideo } from './support/fake-camera.js';
import { expectText, overflowing, PHONE, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const STACK_TIMEOUT = 300_000;
const STEP_TIMEOUT = 90_000;
const suite = browserMissing() ? describe.skip : describe;

/** A dictionary of the web app, loaded at run time (bundler resolution, which NodeNext would refuse statically). */
async function dictionary(lang: 'uz' | 'ru' | 'en'): Promise<Record<string, string>> {
  const module = (await import(new URL(`../../web/src/i18n/${lang}.ts`, import.meta.url).href)) as Record<string, Record<string, string>>;
  return module[lang]!;
}

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { headers: { accept: 'text/html' } });
    return true;
  } catch {
    return false;
  }
}

async function settled(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.waitForFunction(() => (globalThis as any).document.querySelector('[aria-busy="true"]') === null);
}

suite('issue 16: the phone and handovers', () => {
  let stack: Stack;
  let api: StackApi;
  let browser: Browser;
  let dir: string;
  const shopSims = iccids('81', 6);
  const box = iccids('82', 8);
  /** The box's ICCIDs we never received, and the one at another shop. */
  const gaps = [box[2]!, box[5]!];
  const elsewhere = box[6]!;
  let ownShop: { id: number };
  let otherShop: { id: number };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'simcard-phone-'));
    // The camera shows the barcode of the shop's fourth SIM.
    writeBarcodeVideo(join(dir, 'camera.y4m'), shopSims[3]!);
    stack = await startStack({ prod: true });
    // The optimized build is served by vite preview on the web port, or (the reworked --prod) by the main API itself.
    stack = { ...stack, web: await reachable(stack.web).then((ok) => (ok ? stack.web : stack.mainApi)) };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${join(dir, 'camera.y4m')}`,
      ],
    });
    api = await StackApi.asAdmin(stack);
    ownShop = await api.createShop('Olmazor doʻkoni', 'OLM01');
    otherShop = await api.createShop('Buxoro filiali', 'BUX01');
    await api.giveSimcards(ownShop.id, shopSims);
    await api.createStaff('aziza', 'aziza-password-1', ownShop.id);
    await api.createStaff('bobur', 'bobur-password-1', otherShop.id);
    for (const iccid of box.filter((i) => !gaps.includes(i))) await api.call('POST', '/simcards', { iccid });
    await api.call('POST', '/simcards/assign', { iccids: [elsewhere], shop_id: otherShop.id });
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function phonePage(username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ ...PHONE, permissions: ['camera'] });
    const page = await context.newPage();
    await signIn(page, stack, username, password);
    return { context, page };
  }

  test(
    'staff find a SIM by its last digits, are told of a mistyped ICCID with suggestions, and scan a card',
    async () => {
      const { context, page } = await phonePage('aziza', 'aziza-password-1');
      try {
        await page.getByTestId('staff-sold-today').waitFor();
        await page.goto(`${stack.web}/simcards`);
        const cards = page.getByTestId('sim-row');
        await cards.first().waitFor();

        // The last five digits printed on the card: only that SIM.
        const wanted = shopSims[2]!;
        await page.getByTestId('sim-search').fill(wanted.slice(-5));
        await page.waitForFunction((iccid) => {
          const shown = [...(globalThis as any).document.querySelectorAll('[data-testid="sim-row"]')].map((el: any) =>
            el.getAttribute('data-iccid'),
          );
          return shown.length === 1 && shown[0] === iccid;
        }, wanted);

        // One digit wrong: the check digit does not match, and the real SIM is offered.
        const mistyped = wanted.slice(0, 10) + String((Number(wanted[10]) + 1) % 10) + wanted.slice(11);
        await page.getByTestId('sim-search').fill(mistyped);
        const box = page.getByTestId('iccid-suggestions');
        await box.waitFor();
        expect(await box.innerText()).toMatch(/nazorat|check digit|контрольн/i);
        await box
          .getByTestId('iccid-suggestion')
          .filter({ has: page.locator(`[data-iccid="${wanted}"]`) })
          .click();
        await page.waitForURL(/\/simcards\/\d+$/);
        const suggested = await api.call<{ iccid: string }>('GET', `/simcards/${page.url().split('/').pop()}`);
        expect(suggested.iccid).toBe(wanted);

        // The camera reads the fourth SIM's barcode, which opens it.
        await page.goto(`${stack.web}/simcards`);
        await page.getByTestId('scan-open').click();
        await page.waitForURL(/\/simcards\/\d+$/, { timeout: 30_000 });
        const id = Number(page.url().split('/').pop());
        const scanned = await api.call<{ iccid: string }>('GET', `/simcards/${id}`);
        expect(scanned.iccid).toBe(shopSims[3]);

        // Sold, and checked by hand: the check's answer and the live event both report the sale; one notice.
        await api.simulatorActivate(scanned.iccid);
        await page.getByTestId('sim-check').click();
        const notices = page.getByTestId('notice').filter({ hasText: scanned.iccid });
        await notices.first().waitFor();
        await page.waitForTimeout(2500);
        expect(await notices.count()).toBe(1);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'handover: the admin previews a box with gaps, commits and prints it; the shop confirms with one SIM missing; another shop sees nothing',
    async () => {
      // The admin, on a desktop.
      const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      let handoverId: number;
      try {
        const page = await admin.newPage();
        await signIn(page, stack, 'admin', stack.adminPassword);
        // The admin's SIM table fits 1280 px: no sideways scrolling, its actions in view.
        await page.goto(`${stack.web}/simcards`);
        await page.getByTestId('sims-table').waitFor();
        await settled(page);
        if (process.env.PHONE_SHOTS) await page.screenshot({ path: join(process.env.PHONE_SHOTS, 'admin-simcards-1280.png') });
        expect(await overflowing(page)).toEqual([]);

        await page.goto(`${stack.web}/handovers`);
        await page.getByTestId('ho-shop').selectOption(String(ownShop.id));
        await page.getByTestId('ho-from').fill(box[0]!);
        await page.getByTestId('ho-to').fill(box.at(-1)!);
        await page.getByTestId('ho-note').fill('Quti 12');
        await page.getByTestId('ho-preview').click();
        await page.getByTestId('ho-preview-result').waitFor();
        expect(await page.getByTestId('ho-would-move').innerText()).toMatch(/5/);
        const skipped = await page
          .getByTestId('ho-skipped')
          .evaluateAll((els) => els.map((el) => `${el.getAttribute('data-iccid')}:${el.getAttribute('data-reason')}`));
        expect(skipped.sort()).toEqual([`${gaps[0]}:not_found`, `${gaps[1]}:not_found`, `${elsewhere}:at_another_shop`].sort());
        expect((await seriousViolations(page)).map((v) => `${v.id}: ${v.targets.join(', ')}`)).toEqual([]);
        if (process.env.PHONE_SHOTS) await page.screenshot({ path: join(process.env.PHONE_SHOTS, 'admin-preview.png'), fullPage: true });

        await page.getByTestId('ho-commit').click();
        await page.waitForURL(/\/handovers\/\d+$/);
        handoverId = Number(page.url().split('/').pop());
        expect(await page.getByTestId('ho-number').innerText()).toMatch(/^HO-\d{4}-\d{6}$/);

        // Waiting, with its age, in the admin's list.
        await page.goto(`${stack.web}/handovers`);
        await page.locator(`[data-testid="ho-item"][data-id="${handoverId}"]`).getByTestId('handover-age').waitFor();

        // The printable sheet, in Russian: one A4 page with five barcodes.
        await page.goto(`${stack.web}/handovers/${handoverId}/print?lang=ru`);
        await page.getByTestId('print-sheet').waitFor();
        expect(await page.locator('.barcode svg').count()).toBe(5);
        expect(await page.getByTestId('print-sheet').innerText()).toMatch(/Акт приёма-передачи HO-/);
        const pdf = await page.pdf({ format: 'A4', printBackground: true });
        const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
        expect(pages).toBe(1);
        if (process.env.HANDOVER_PDF) writeFileSync(process.env.HANDOVER_PDF, pdf);
      } finally {
        await admin.close();
      }

      // Another shop's staff: the handover is not there (the API's 404, shown as not found).
      const stranger = await phonePage('bobur', 'bobur-password-1');
      try {
        await stranger.page.goto(`${stack.web}/handovers/${handoverId}`);
        await stranger.page.getByRole('alert').first().waitFor();
        expect(await stranger.page.getByTestId('receipt').count()).toBe(0);
        expect(await stranger.page.getByText('HO-').count()).toBe(0);
      } finally {
        await stranger.context.close();
      }

      // The shop, on a phone: four SIMs typed, one scanned that the box did not list, one missing.
      const { context, page } = await phonePage('aziza', 'aziza-password-1');
      try {
        await page.goto(`${stack.web}/handovers/${handoverId}`);
        await page.getByTestId('receipt').waitFor();
        const moved = box.filter((i) => !gaps.includes(i) && i !== elsewhere);
        for (const iccid of moved.slice(0, 4)) {
          await page.getByTestId('receipt-input').fill(iccid);
          await page.getByTestId('receipt-add').click();
        }
        expect(await page.getByTestId('receipt-progress').innerText()).toMatch(/4\D+5/);
        // The camera (continuous at a receipt) reads a SIM of the shop that is not in this box.
        await page.getByTestId('receipt-scan').click();
        await page.getByTestId('receipt-unexpected').locator(`[data-iccid="${shopSims[3]}"]`).waitFor({ timeout: 30_000 });
        // Nothing of the open scanner is wider than the screen.
        expect(await overflowing(page)).toEqual([]);
        await page.getByTestId('scan-close').click();
        if (process.env.PHONE_SHOTS) await page.screenshot({ path: join(process.env.PHONE_SHOTS, 'receipt-360.png'), fullPage: true });
        expect(await overflowing(page)).toEqual([]);
        await page.getByTestId('receipt-confirm').click();
        await page.getByTestId('confirm-yes').click();
        await page.getByTestId('ho-discrepancies').waitFor();
        expect(await page.getByTestId('handover-status').getAttribute('data-status')).toBe('confirmed_with_discrepancies');
        expect(
          await page
            .getByTestId('ho-missing')
            .evaluateAll((els) => els.map((el) => el.querySelector('[data-iccid]')?.getAttribute('data-iccid'))),
        ).toEqual([moved[4]]);
        expect(
          await page
            .getByTestId('ho-unexpected')
            .evaluateAll((els) => els.map((el) => el.querySelector('[data-iccid]')?.getAttribute('data-iccid'))),
        ).toEqual([shopSims[3]]);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT * 2,
  );

  test(
    'no staff page has an element wider than a 360 px screen, or a box that scrolls sideways (nor a serious accessibility violation)',
    async () => {
      const { context, page } = await phonePage('aziza', 'aziza-password-1');
      try {
        const list = await api.call<{ data: Array<{ id: number }> }>('GET', `/handovers?shop_id=${ownShop.id}`);
        const sim = await api.call<{ data: Array<{ id: number }> }>('GET', `/simcards?shop_id=${ownShop.id}&limit=1`);
        const pages = [
          '/',
          '/simcards',
          `/simcards/${sim.data[0]!.id}`,
          '/logs',
          '/handovers',
          `/handovers/${list.data[0]!.id}`,
          `/handovers/${list.data[0]!.id}/print`,
        ];
        const found: Record<string, string[]> = {};
        for (const path of pages) {
          await page.goto(`${stack.web}${path}`);
          await settled(page);
          if (process.env.PHONE_SHOTS)
            await page.screenshot({ path: join(process.env.PHONE_SHOTS, `${path.replace(/\W+/g, '_') || 'root'}.png`), fullPage: true });
          if (path === '/') {
            // The staff dashboard: the SIM sold in the first journey, and on hand the shop's five others plus the box's five.
            await expectText(page.getByTestId('staff-sold-today'), /^1$/);
            await expectText(page.getByTestId('staff-sold-week'), /^1$/);
            await expectText(page.getByTestId('staff-sold-month'), /^1$/);
            await expectText(page.getByTestId('staff-on-hand'), /^10$/);
            expect(await page.getByTestId('last-sales').innerText()).toContain(shopSims[3]!.slice(-3));
          }
          const wide = await overflowing(page);
          const axe = (await seriousViolations(page)).map((v) => `${v.impact} ${v.id}: ${v.targets.slice(0, 2).join(', ')}`);
          if (wide.length || axe.length) found[path] = [...wide, ...axe];
        }
        expect(found).toEqual({});
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'first screen usable on slow 3G with a 4× slower CPU (production build)',
    async () => {
      // DevTools' "Slow 3G" preset (2 s per round trip, 400 kbit/s) and WebPageTest's "3G Slow" (400 ms, 400 kbit/s).
      const profiles = [
        { name: 'devtools-slow-3g', latency: 2000, bytesPerSecond: (500 * 1000 * 0.8) / 8 },
        { name: 'wpt-3g-slow', latency: 400, bytesPerSecond: (400 * 1000) / 8 },
      ];
      const results: Record<string, number> = {};
      for (const profile of profiles) {
        const context = await browser.newContext(PHONE);
        try {
          const page = await context.newPage();
          const cdp = await context.newCDPSession(page);
          await cdp.send('Network.enable');
          await cdp.send('Network.emulateNetworkConditions', {
            offline: false,
            latency: profile.latency,
            downloadThroughput: profile.bytesPerSecond,
            uploadThroughput: profile.bytesPerSecond,
          });
          await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
          // The first visit (nothing cached), then the next one (the browser's cache, as on a staff phone).
          for (const visit of ['first', 'repeat']) {
            const started = Date.now();
            await page.goto(`${stack.web}/`, { waitUntil: 'commit', timeout: 60_000 });
            // Usable: the sign-in form is on screen, rendered by the app (so it handles input).
            await page.getByTestId('login-username').waitFor({ timeout: 60_000 });
            await page.waitForFunction(
              () => !(globalThis as any).document.querySelector('[data-testid="login-submit"]')?.disabled,
              undefined,
              { timeout: 60_000 },
            );
            results[`${profile.name} ${visit}`] = Date.now() - started;
            // After the clock: the form is the app's, live (it takes what is typed).
            await page.getByTestId('login-username').fill(`phone-${visit}`);
            expect(await page.getByTestId('login-username').inputValue()).toBe(`phone-${visit}`);
          }
        } finally {
          await context.close();
        }
      }
      // The figure, not a bound (no timing assertion here): compared with its reference, interleaved,
      // by `npm run bench -- phone-first-screen --screen sign-in`, and written to bench/RESULTS.md.
      console.log(
        `FIRST_SCREEN_MS ${JSON.stringify(results)} (load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')})`,
      );
      if (process.env.FIRST_SCREEN_OUT) writeFileSync(process.env.FIRST_SCREEN_OUT, JSON.stringify(results));
    },
    STEP_TIMEOUT * 2,
  );

  test(
    'the sign-in screen loads no Russian or English dictionary; choosing Russian loads it and switches the page; a remembered Russian is the first paint',
    async () => {
      const ru = await dictionary('ru');
      const uz = await dictionary('uz');
      const context = await browser.newContext(PHONE);
      try {
        const page = await context.newPage();
        const chunks: string[] = [];
        page.on('request', (r) => {
          if (r.url().includes('/assets/')) chunks.push(new URL(r.url()).pathname);
        });
        // The first button text the page ever shows, whichever language it is in.
        await context.addInitScript(`new MutationObserver(function () {
          var b = document.querySelector('[data-testid="login-submit"]');
          if (b && window.__firstLabel === undefined) window.__firstLabel = b.textContent;
        }).observe(document, { childList: true, subtree: true, characterData: true });`);
        await page.goto(`${stack.web}/`);
        await expectText(page.getByTestId('login-submit'), exactly(uz['auth.login']!));
        expect(chunks.filter((c) => /\/(ru|en)-[\w-]+\.js$/.test(c))).toEqual([]);

        await page.getByTestId('language-switcher').selectOption('ru');
        await expectText(page.getByTestId('login-submit'), exactly(ru['auth.login']!));
        expect(await page.locator('.login-page p.muted').first().innerText()).toBe(ru['auth.subtitle']);
        expect(chunks.filter((c) => /\/ru-[\w-]+\.js$/.test(c))).toHaveLength(1);
        expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('ru');

        // Reloaded: Russian from the first paint (its dictionary before the first render), never Uzbek first.
        await page.reload();
        await expectText(page.getByTestId('login-submit'), exactly(ru['auth.login']!));
        expect(await page.evaluate(() => (globalThis as any).__firstLabel)).toBe(ru['auth.login']);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );

  test(
    'a signed-in visit to the SIM list asks for the list once, at start with /auth/me, and shows it',
    async () => {
      const { context, page } = await phonePage('aziza', 'aziza-password-1');
      try {
        const asked: string[] = [];
        page.on('request', (r) => {
          const path = new URL(r.url()).pathname;
          if (path.startsWith('/api/')) asked.push(`${path}${new URL(r.url()).search}`);
        });
        await page.goto(`${stack.web}/simcards`);
        await page.getByTestId('sim-row').first().waitFor();
        await settled(page);
        expect(await page.getByTestId('sim-row').count()).toBeGreaterThan(0);
        // The page found the answer asked at start in its cache: not asked a second time.
        expect(asked.filter((a) => a.startsWith('/api/simcards?'))).toEqual(['/api/simcards?sort=-id&limit=20&offset=0']);
        expect(asked.filter((a) => a === '/api/auth/me')).toHaveLength(1);
        // Started together, before the app's own code ran (the document's inline script asked them).
        expect(asked.indexOf('/api/simcards?sort=-id&limit=20&offset=0')).toBe(asked.indexOf('/api/auth/me') + 1);
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );
});
