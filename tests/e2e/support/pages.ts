/** Browser steps the journeys share: signing in, moving through the navigation, waiting for text. */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Stack } from './stack.js';

export async function signIn(page: Page, stack: Stack, username: string, password: string): Promise<void> {
  await page.goto(`${stack.web}/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  // Attached rather than visible: on a phone the header's user name is hidden in the menu.
  await page.getByTestId('current-user').waitFor({ state: 'attached' });
}

/** A fresh browser session (its own storage) signed in as the admin. */
export async function newSignedInPage(browser: Browser, stack: Stack): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, stack, 'admin', stack.adminPassword);
  return { context, page };
}

/** The app's main menu (pages may have other navigation landmarks, e.g. a pager). */
export function mainNav(page: Page): Locator {
  return page.getByRole('navigation').filter({ has: page.getByTestId('nav-dashboard') });
}

/** Follows a link of the main navigation (a client-side move: no page load). */
export async function openFromNav(page: Page, item: string): Promise<void> {
  const link = mainNav(page).getByTestId(`nav-${item}`);
  if (!(await link.isVisible())) await page.locator('button[aria-controls="main-nav"]').click(); // phones: behind the menu button
  await link.click();
  await page.waitForFunction(
    (current) =>
      (globalThis as unknown as { document: Doc }).document.querySelector(`[data-testid="nav-${current}"][aria-current="page"]`) !== null,
    item,
  );
}

interface Doc {
  querySelector(selector: string): unknown;
}

/** Waits (retrying, as the page updates) until the element's text matches. */
export async function expectText(locator: Locator, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = (await locator.innerText({ timeout: timeoutMs }).catch(() => '')).trim();
    if (pattern.test(last)) return;
    if (Date.now() > deadline) throw new Error(`expected ${String(locator)} to read ${pattern}; it reads "${last}"`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A cheap Android phone's screen: 360 × 740 CSS px, touch, 2× pixels. */
export const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Elements wider than the viewport or sticking out of it, and boxes that scroll sideways. */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const win = globalThis as any;
    const width = doc.documentElement.clientWidth;
    const out: string[] = [];
    if (doc.documentElement.scrollWidth > width) out.push(`the page scrolls sideways (${doc.documentElement.scrollWidth} > ${width})`);
    for (const el of doc.querySelectorAll('body *')) {
      // Screen-reader-only text and the skip link are clipped or off screen on purpose.
      if (el.closest('.visually-hidden, .skip-link')) continue;
      const style = win.getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) continue;
      const name = `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : el.className ? `.${String(el.className).split(' ')[0]}` : ''}`;
      if (r.right > width + 0.5 || r.left < -0.5) out.push(`${name} spans ${Math.round(r.left)}–${Math.round(r.right)} px`);
      if (/(auto|scroll)/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
        out.push(`${name} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    }
    return [...new Set(out)].slice(0, 10);
  });
}
