/**
 * Every screen works at 360 px without sideways scrolling, and every message the user sees is in
 * their language (uz, ru), server reasons included. No other file checks the screens at 360 px in
 * both Uzbek and Russian: money.test.ts and activation-reports.test.ts measure a few admin screens
 * at 360 px in Uzbek only, phone.test.ts the staff screens in Uzbek only, languages.test.ts reads
 * the admin screens at 1280 px and four staff screens. Here: every admin screen and every staff
 * screen, each with real data: SIMs at a shop, a handover confirmed with discrepancies and one
 * waiting, a saved activation report and one previewed with every kind of discrepancy, the
 * server's refusals (a file cut short, a username taken, a wrong password, a mistyped ICCID).
 *
 * On each screen, on a 360×740 phone in the language:
 * - the document does not scroll sideways (scrollWidth ≤ innerWidth), and nothing sticks out of
 *   the screen where no box scrolls to it (a wide admin table scrolls inside its own named region,
 *   components/Table.tsx TableScroll: allowed); on staff screens nothing at all is wider than the
 *   screen (support/pages.ts overflowing, as phone.test.ts);
 * - no visible text is an untranslated key or code, an English catalogue sentence the language
 *   says otherwise, the server's English (a sentence of English words), a number written the
 *   English way ("5,000", "9.1%") or a "-0".
 * One stack, one browser, one page per role and language; problems are gathered per screen and
 * reported together. PHONE_SHOTS=<dir> saves a screenshot of each screen looked at; SCREENS_DEBUG=1
 * prints each screen's table regions that scroll sideways and the start of its texts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { iccids, StackApi } from './support/api.js';
import { browserMissing, launchBrowser } from './support/browser.js';
import { overflowing, PHONE, signIn } from './support/pages.js';
import { type Stack, startStack } from './support/stack.js';

const STACK_TIMEOUT = 300_000;
const STEP_TIMEOUT = 180_000;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const NO_CHECK_DIGIT = fileURLToPath(new URL('../../examples/uzmobile-no-check-digit.csv', import.meta.url));
const suite = browserMissing() ? describe.skip : describe;

type Lang = 'uz' | 'ru' | 'en';
type Dictionary = Record<string, string>;
const dictionaries = {} as Record<Lang, Dictionary>;
/** The web app's catalogues, loaded at run time (bundler resolution, which NodeNext would refuse statically). */
async function loadDictionaries(): Promise<void> {
  for (const lang of ['uz', 'ru', 'en'] as const) {
    const module = (await import(new URL(`../../web/src/i18n/${lang}.ts`, import.meta.url).href)) as Record<string, Dictionary>;
    dictionaries[lang] = module[lang]!;
  }
}

/** A catalogue sentence with its placeholders and plural parts as wildcards (as languages.test.ts). */
function sentencePattern(text: string): RegExp | null {
  const fixed = text.replace(/\{\w+, plural,.*\}\}?/g, '\u0000').replace(/\{\w+\}/g, '\u0000');
  const words = fixed.split('\u0000').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // eslint-disable-next-line no-control-regex -- \u0000 is the placeholder put in just above
  if (fixed.replace(/\u0000/g, '').trim().length < 4) return null;
  return new RegExp(`^${words.join('.*')}$`, 's');
}

/** English catalogue sentences that `lang` says otherwise. */
function englishOnly(lang: Lang): RegExp[] {
  const own = dictionaries[lang];
  return Object.entries(dictionaries.en)
    .filter(([key, text]) => own[key] !== text && /[a-z]{3}/i.test(text))
    .map(([, text]) => sentencePattern(text))
    .filter((p): p is RegExp => p !== null);
}

const CODE = /^([a-z]+\.[a-z_.]+|[a-z]+_[a-z_]+)$/; // status.sold, in_stock, iccid.check_digit
/** A file's name is data, not a code: `beeline.xlsx`. */
const FILE_NAME = /\.(csv|xlsx|xls|txt|pdf)$/i;
/** English function words, whole words only (Uzbek's ʻ and ’ count as letters: "toʻlov" is not "to"). */
const ENGLISH_WORD =
  /(?<![\p{L}\u02bb\u2019'])(the|is|are|was|were|not|our|this|that|with|from|must|be|been|never|before|after|into|of|to|and|it|its|has|have|which|your|you|could|cannot|no)(?![\p{L}\u02bb\u2019'])/giu;

/** A number written the English way on a Uzbek or Russian page ("5,000", "9.1%": an Uzbek reads "5,000 soʻm" as five), or a "-0". */
const ENGLISH_NUMBER = /(^|[^\d.,])\d{1,3}(,\d{3})+(?![\d.,])|\d\.\d+\s?%/;
const NEGATIVE_ZERO = /(^|[^\d])-0([.,]0+)?(?![\d.,])/;

/** A text written in English: at least two different English function words (the server's reasons, a message left untranslated). */
function isEnglishSentence(text: string): boolean {
  const words = new Set((text.match(ENGLISH_WORD) ?? []).map((w) => w.toLowerCase()));
  return words.size >= 2;
}

/** The visible texts of the page (data in `code`/`.mono` left out), and its visible placeholders, labels and titles. */
async function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const shown = (el: any) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && !el.closest('.visually-hidden');
    const out: string[] = [];
    const walker = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest('code, .mono, script, style, option') || !shown(el)) continue;
      const text = String(node.textContent ?? '').trim();
      if (text) out.push(text);
    }
    // A select shows its chosen option only.
    for (const select of doc.querySelectorAll('select')) {
      if (shown(select) && select.selectedOptions[0]) out.push(String(select.selectedOptions[0].textContent).trim());
    }
    for (const el of doc.querySelectorAll('[placeholder], [aria-label], [title]')) {
      if (!shown(el)) continue;
      for (const attr of ['placeholder', 'aria-label', 'title']) {
        const v = el.getAttribute(attr);
        if (v) out.push(v.trim());
      }
    }
    return out;
  });
}

/**
 * Sideways scrolling on an admin screen: the document wider than the screen, or an element out
 * of the screen that no box scrolls to (a TableScroll region scrolling its table is the design).
 */
async function scrollsSideways(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const win = globalThis as any;
    const out: string[] = [];
    if (doc.documentElement.scrollWidth > win.innerWidth)
      out.push(`the page scrolls sideways (${doc.documentElement.scrollWidth} > ${win.innerWidth})`);
    const width = doc.documentElement.clientWidth;
    for (const el of doc.querySelectorAll('body *')) {
      if (el.closest('.visually-hidden, .skip-link')) continue;
      if (!el.checkVisibility({ checkVisibilityCSS: true })) continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1 || (r.right <= width + 0.5 && r.left >= -0.5)) continue;
      // Inside a box that scrolls sideways: reachable by scrolling that box.
      let scroller = el.parentElement;
      while (scroller && !/(auto|scroll)/.test(win.getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
      if (scroller && scroller !== doc.body && scroller !== doc.documentElement) continue;
      const id = el.getAttribute('data-testid');
      out.push(
        `${el.tagName.toLowerCase()}${id ? `[${id}]` : el.className ? `.${String(el.className).split(' ')[0]}` : ''} spans ${Math.round(r.left)}–${Math.round(r.right)} px`,
      );
    }
    return [...new Set(out)].slice(0, 8);
  });
}

/** Table regions that scroll sideways (allowed: named, focusable), for a look by hand (SCREENS_DEBUG=1). */
async function tableRegions(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...(globalThis as any).document.querySelectorAll('.table-wrap')]
      .filter((el: any) => el.scrollWidth > el.clientWidth + 1)
      .map((el: any) => `${el.getAttribute('aria-label')} ${el.scrollWidth}>${el.clientWidth}`),
  );
}

/** The screen is drawn: its heading is there, nothing is loading. */
async function settled(page: Page, loading: string): Promise<void> {
  await page.locator('main h1, h1').first().waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    (text) => {
      const doc = (globalThis as any).document;
      if (doc.querySelector('[aria-busy="true"]')) return false;
      return ![...doc.querySelectorAll('main p, main td, main span')].some((el: any) => el.textContent.trim() === text);
    },
    loading,
    { timeout: 30_000 },
  );
  await page.waitForTimeout(300);
}

/** A CSV activation report, `;`-separated with Russian headers, as operators send it. */
function activationCsv(rows: Array<[string, string, string]>): Buffer {
  return Buffer.from(['ICCID;Дата активации;Оператор', ...rows.map((r) => r.join(';'))].join('\r\n'));
}

suite('every screen works at 360 px without sideways scrolling, its messages (server reasons included) in uz and ru', () => {
  let stack: Stack;
  let browser: Browser;
  let api: StackApi;
  const shopSims = iccids('71', 4);
  const box = iccids('72', 4);
  const waiting = iccids('73', 3);
  /** In stock; the fourth is never created (a gap in a range). */
  const stock = iccids('74', 6);
  const [unknown] = iccids('75', 1);
  let shop: { id: number };
  let simId: number;
  let confirmedId: number;
  let waitingId: number;
  let month: string;
  let activatedAt: string;

  beforeAll(async () => {
    await loadDictionaries();
    // The source as it is (vite's dev server): no build first, which `--prod` runs whenever a
    // service's source is newer than its build.
    stack = await startStack({ prod: false });
    browser = await launchBrowser();
    api = await StackApi.asAdmin(stack);
    shop = await api.createShop('Chilonzor Aloqa savdo markazi', 'TSH01');
    await api.createShop('Samarqand filiali', 'SAM01');
    await api.createStaff('shop1', 'staff-password-1', shop.id);
    await api.giveSimcards(shop.id, shopSims);
    simId = (await api.call<{ data: Array<{ id: number }> }>('GET', `/simcards?q=${shopSims[0]}`)).data[0]!.id;
    for (const iccid of [...box, ...waiting]) await api.call('POST', '/simcards', { iccid });
    for (const iccid of stock.filter((_, i) => i !== 3)) await api.call('POST', '/simcards', { iccid, operator: 'beeline' });
    // A box received with two SIMs missing and one that was not listed; another still waiting.
    confirmedId = (await api.call<{ id: number }>('POST', '/handovers', { shop_id: shop.id, iccids: box, note: 'Quti 7' })).id;
    await api.call('POST', `/handovers/${confirmedId}/receipt`, { iccids: [box[0], box[1], shopSims[3]] });
    waitingId = (await api.call<{ id: number }>('POST', '/handovers', { shop_id: shop.id, iccids: waiting })).id;
    // Money and anomalies: a commission, the shop's share, a Beeline SIM with a Ucell number.
    await api.call('POST', '/commission-rules', { operator: 'beeline', amount: 5000, valid_from: '2020-01-01' });
    await api.call('POST', '/commission-shares', { shop_id: null, kind: 'percent', value: 40, valid_from: '2020-01-01' });
    await api.call('POST', '/simcards', { iccid: iccids('76', 1)[0], operator: 'beeline', msisdn: '+998931717171' });
    await api.call('POST', '/api-keys', { name: 'Buxgalteriya eksporti', role: 'read' });
    const local = new Date(Date.now() + 5 * 3600_000);
    month = `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
    // An hour ago, Tashkent wall time: before the SIMs reached the shop (a discrepancy), never in the future.
    const at = new Date(Date.now() + 5 * 3600_000 - 3600_000);
    const two = (n: number) => String(n).padStart(2, '0');
    activatedAt = `${two(at.getUTCDate())}.${two(at.getUTCMonth() + 1)}.${at.getUTCFullYear()} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}`;
    // A saved report: one SIM of the shop sold, one in stock, an unknown ICCID, a row cut short.
    const login = await fetch(`${stack.mainApi}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: stack.adminPassword }),
    });
    const { token } = (await login.json()) as { token: string };
    const body = new FormData();
    const csv = activationCsv([
      [shopSims[0]!, activatedAt, 'beeline'],
      [stock[0]!, activatedAt, 'beeline'],
      [unknown!, activatedAt, 'beeline'],
      [shopSims[1]!.slice(0, -3), activatedAt, 'beeline'],
    ]);
    body.append('file', new Blob([csv], { type: 'text/csv' }), 'beeline-noyabr.csv');
    const saved = await fetch(`${stack.mainApi}/activation-reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    if (!saved.ok) throw new Error(`activation report: ${saved.status} ${await saved.text()}`);
    // A check run, finished, in the runs' history.
    await api.call('POST', '/simcards/auto-check', {});
  }, STACK_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  /** One phone page in `lang`; `look(where)` records what is wrong with the screen as it is now. */
  async function phone(lang: Lang, staffOnly: boolean) {
    const context = await browser.newContext(PHONE);
    await context.addInitScript((l) => (globalThis as any).localStorage.setItem('simcard.lang', l), lang);
    const page = await context.newPage();
    const english = englishOnly(lang);
    const found: Record<string, string[]> = {};
    const look = async (where: string) => {
      if (process.env.PHONE_SHOTS)
        await page.screenshot({
          path: join(process.env.PHONE_SHOTS, `${lang}-${staffOnly ? 'staff' : 'admin'}-${where.replace(/\W+/g, '_')}.png`),
          fullPage: true,
        });
      if (process.env.SCREENS_DEBUG) console.log(where, await tableRegions(page), (await visibleTexts(page)).join(' | ').slice(0, 400));
      const problems = staffOnly ? await overflowing(page) : await scrollsSideways(page);
      for (const text of await visibleTexts(page)) {
        if (CODE.test(text) && !FILE_NAME.test(text)) problems.push(`untranslated code "${text}"`);
        else if (english.some((p) => p.test(text))) problems.push(`English "${text}"`);
        else if (isEnglishSentence(text)) problems.push(`the server's English "${text}"`);
        if (ENGLISH_NUMBER.test(text)) problems.push(`a number written as in English "${text}"`);
        if (NEGATIVE_ZERO.test(text)) problems.push(`a negative zero "${text}"`);
      }
      if (problems.length > 0) found[where] = [...new Set(problems)];
    };
    const open = async (path: string) => {
      await page.goto(`${stack.web}${path}`);
      await settled(page, dictionaries[lang]['common.loading']!);
      await look(path);
    };
    return { context, page, found, look, open };
  }

  test.each(['uz', 'ru'] as const)(
    '%s: every admin screen, with its server refusals, fits 360 px and speaks the language',
    async (lang) => {
      const { context, page, found, look, open } = await phone(lang, false);
      const d = dictionaries[lang];
      try {
        // Sign-in: a wrong password is refused.
        await page.goto(`${stack.web}/`);
        await page.getByTestId('login-username').fill('admin');
        await page.getByTestId('login-password').fill('not-the-password');
        await page.getByTestId('login-submit').click();
        await page.getByTestId('error-message').waitFor({ timeout: 30_000 });
        expect(await page.getByTestId('error-message').innerText()).toContain(d['error.invalid_credentials']);
        await look('sign-in (a wrong password)');
        await signIn(page, stack, 'admin', stack.adminPassword);

        await open('/');
        await open('/shops');
        await open(`/shops/${shop.id}`);
        await open('/simcards');
        await open(`/simcards/${simId}`);

        // Import: a preview with rows refused (their reasons), then a file cut short.
        await open('/import');
        await page.getByTestId('import-file').setInputFiles(NO_CHECK_DIGIT);
        await page.getByTestId('import-preview-button').click();
        await page.getByTestId('import-invalid-reason').first().waitFor({ timeout: 30_000 });
        await look('/import (a preview with refused rows)');
        await page
          .getByTestId('import-file')
          .setInputFiles({ name: 'Quti 7.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.from('PK\u0003\u0004 cut') });
        await page.getByTestId('import-preview-button').click();
        await page.getByTestId('error-message').waitFor({ timeout: 30_000 });
        expect(await page.getByTestId('error-message').innerText()).toContain(d['reason.file.truncated']);
        await look('/import (a file cut short)');

        // Activation reports: the saved one in the history, a preview with every kind of discrepancy, a file refused.
        await open('/activation-reports');
        const report = activationCsv([
          [shopSims[2]!, activatedAt, 'beeline'],
          [stock[1]!, activatedAt, 'beeline'],
          [stock[2]!, activatedAt, 'ucell'],
          [unknown!, activatedAt, 'beeline'],
          [shopSims[0]!, activatedAt, 'beeline'],
          [shopSims[2]!, activatedAt, 'beeline'],
          [shopSims[1]!.slice(0, -3), activatedAt, 'beeline'],
          [stock[4]!, '31.02.2026', 'beeline'],
        ]);
        await page.getByTestId('activation-file').setInputFiles({ name: 'beeline-dekabr.csv', mimeType: 'text/csv', buffer: report });
        await page.getByTestId('activation-check').click();
        await page.getByTestId('activation-discrepancy').first().waitFor({ timeout: 30_000 });
        await look('/activation-reports (a preview with discrepancies)');
        await page
          .getByTestId('activation-file')
          .setInputFiles({ name: 'beeline.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.from('PK\u0003\u0004 cut') });
        await page.getByTestId('activation-check').click();
        await page.getByTestId('error-message').waitFor({ timeout: 30_000 });
        await look('/activation-reports (a file cut short)');

        await open('/check-runs');
        await open('/logs');
        // Users: a username already taken is refused.
        await open('/users');
        await page.getByTestId('user-create').click();
        await page.getByTestId('user-username').fill('shop1');
        await page.getByTestId('user-full-name').fill('Ikkinchi Shop');
        await page.getByTestId('user-password').fill('another-password-1');
        // The shop left unchosen: said under the field, in the language.
        await page.getByTestId('user-save').click();
        await page.getByTestId('field-error').first().waitFor({ timeout: 10_000 });
        await look('/users (a required field left empty)');
        await page.getByTestId('user-shop').selectOption(String(shop.id));
        await page.getByTestId('user-save').click();
        await page.getByTestId('error-message').waitFor({ timeout: 30_000 });
        await look('/users (a username taken)');
        await open('/api-keys');

        // Handovers: a range previewed with a gap and SIMs at a shop; one confirmed with discrepancies; its sheet.
        await open('/handovers');
        await page.getByTestId('ho-shop').selectOption(String(shop.id));
        await page.getByTestId('ho-from').fill(stock[0]!);
        await page.getByTestId('ho-to').fill(stock[5]!);
        await page.getByTestId('ho-preview').click();
        await page.getByTestId('ho-skipped').first().waitFor({ timeout: 30_000 });
        await look('/handovers (a preview with SIMs skipped)');
        await open(`/handovers/${confirmedId}`);
        await page.getByTestId('ho-discrepancies').waitFor();
        await look(`/handovers/${confirmedId} (discrepancies)`);
        await open(`/handovers/${waitingId}`);
        await open(`/handovers/${confirmedId}/print`);

        await open('/statements');
        await open(`/statements/${shop.id}?month=${month}`);
        await open('/commission-rules');
        await open('/chase');
        await open('/anomalies');
        await open('/anomalies?kind=operator_prefix_mismatch');
        expect(found).toEqual({});
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );

  /**
   * Staff: every screen in both languages (phone.test.ts measures them in Uzbek only, and
   * languages.test.ts reads four of them for English and codes, not for numbers written the
   * English way), a box waiting with a mistyped ICCID, and one received with discrepancies.
   */
  test.each(['uz', 'ru'] as const)(
    '%s: the staff screens fit 360 px and speak the language',
    async (lang) => {
      const { context, page, found, look, open } = await phone(lang, true);
      const d = dictionaries[lang];
      try {
        await signIn(page, stack, 'shop1', 'staff-password-1');
        await open('/');
        await open('/simcards');
        await open('/handovers');
        await open(`/handovers/${waitingId}`);
        // A mistyped ICCID at the receipt is refused in the language.
        const wrong = waiting[0]!.slice(0, -1) + String((Number(waiting[0]!.at(-1)) + 1) % 10);
        await page.getByTestId('receipt-input').fill(wrong);
        await page.getByTestId('receipt-add').click();
        expect(await page.getByTestId('field-error').first().innerText({ timeout: 10_000 })).toBe(
          d['reason.iccid.check_digit']!.replace('{expected}', waiting[0]!.at(-1)!),
        );
        await look(`/handovers/${waitingId} (a mistyped ICCID)`);
        await open(`/simcards/${simId}`);
        await open('/logs');
        await open(`/handovers/${confirmedId}`);
        await open(`/handovers/${confirmedId}/print`);
        expect(found).toEqual({});
      } finally {
        await context.close();
      }
    },
    STEP_TIMEOUT,
  );
});
