/**
 * Issue 14, goal 6: the SIM list on a phone, from navigation to its rows on screen, against a
 * minimal page that makes the same API call (goal: ≤ 1.5× that page).
 *
 * The production stack (`npm start -- --prod`, the main API serving web/dist precompressed), a
 * shop with 40 SIMs and its staff user, signed in (the token in localStorage, as the app keeps
 * it). Debian's Chromium as a 360×740 phone with the DevTools protocol's throttling: CPU 4×
 * slower, 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up (Lighthouse's mobile profile).
 * - app: `/simcards` of the web app (its HTML, chunks, `/auth/me`, `/simcards`);
 * - reference: a page of a dozen lines served by the same server from the same directory
 *   (web/dist, for the run only), same origin and token, which asks `GET /api/simcards` with the
 *   app's parameters and writes the rows.
 * "Rows visible": the paint of the first `[data-testid="sim-row"]`, as Chromium reports it (the
 * Element Timing API's renderTime: a MutationObserver installed before any script of the page marks
 * the row and its contents with `elementtiming` as it enters the document, before its first paint;
 * the same for both pages). Also reported: the older measure, the first task after the frame that
 * follows the row's insertion, which counts whatever a page queued before that task (the app's
 * effects after its first paint), not only the paint.
 * Each round: a first visit (a new browser context, nothing cached) and a repeat visit (the same
 * tab again, the browser's cache), for the app and the reference, their order alternating.
 *
 * `--screen sign-in` (issue 16, goal ≤ 3 s): a new visitor's first screen instead, on WebPageTest's
 * "3G Slow" (400 ms round trip, 400 kbit/s) with the CPU 4× slower, as tests/e2e/phone.test.ts
 * measures it: no token, from navigation to the sign-in form on screen with its button enabled
 * (rendered by the app); the reference a static page holding the same form.
 * `--dist LABEL=DIR` (repeatable): compares builds of the web app, each served by its own stack
 * (WEB_DIST_DIR=DIR; `node scripts/src/build.ts` output copied aside, precompressed), every
 * round visiting each in turn (the order rotating); each build's app against its own reference
 * and against the first build's app of the same round. `--out FILE`: the section goes to FILE
 * instead of bench/RESULTS.md.
 *
 * `--dev-services`: the services run from their sources (the start script without `--prod`), the
 * main API serving the build(s) as above: no rebuild of the services first.
 *
 * `--trace DIR`: after the rounds, one more first visit of each build's app with Chromium's trace
 * on (DIR/LABEL.json, for DevTools' Performance panel), and its main thread's time up to the rows
 * printed by kind (what the CPU did on the critical path; the trace costs some time of its own).
 *
 *   npm run bench -- phone-first-screen [--rounds 7] [--screen list|sign-in] [--dist a=DIR --dist b=DIR] [--out FILE] [--dev-services] [--trace DIR]
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { iccids, StackApi } from '../../tests/e2e/support/api.js';
import { CHROMIUM } from '../../tests/e2e/support/browser.js';
import { type Stack, startStack } from '../../tests/e2e/support/stack.js';
import { machine, median, writeSection } from './harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REFERENCE_FILE = 'bench-phone-reference.html';
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** Lighthouse's mobile profile (the SIM list) and WebPageTest's "3G Slow" (the sign-in screen, issue 16). */
const NETWORKS = {
  list: { latency: 150, downloadThroughput: (1600 * 1000) / 8, uploadThroughput: (750 * 1000) / 8 },
  'sign-in': { latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 },
};
const CPU_SLOWDOWN = 4;
const GOAL = 1.5;
const SIGN_IN_GOAL_MS = 3000;
/** What the app's card list asks first (web/src/routes.ts, features/simcards/SimCardList.tsx). */
const LIST_QUERY = 'sort=-id&limit=20&offset=0';

/** The reference: the same request with the same token, the rows written as plainly as can be. */
const REFERENCE_HTML = `<!doctype html>
<html lang="uz"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>reference</title></head>
<body><ul id="rows"></ul><script>
fetch('/api/simcards?${LIST_QUERY}', { headers: { Accept: 'application/json', Authorization: 'Bearer ' + localStorage.getItem('simcard.token') } })
  .then(function (r) { return r.json(); })
  .then(function (body) {
    var ul = document.getElementById('rows');
    body.data.forEach(function (s) {
      var li = document.createElement('li');
      li.setAttribute('data-testid', 'sim-row');
      li.textContent = s.iccid + ' ' + s.status + ' ' + (s.msisdn || '—');
      ul.appendChild(li);
    });
  });
</script></body></html>
`;

/** The sign-in screen's floor: the same form, static, in the HTML itself. */
const SIGN_IN_REFERENCE_HTML = `<!doctype html>
<html lang="uz"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>reference</title></head>
<body><main><h1>SimCard Manager</h1><form data-testid="login-form">
<label>Login <input name="username" data-testid="login-username" required></label>
<label>Parol <input name="password" type="password" data-testid="login-password" required></label>
<button type="submit" data-testid="login-submit">Kirish</button></form></main></body></html>
`;

type Screen = keyof typeof NETWORKS;

/** What "on screen" waits for, in the page (a string: tsx's helpers would not exist there). */
const READY: Record<Screen, string> = {
  list: `document.querySelector('[data-testid="sim-row"]')`,
  'sign-in': `(function () { var b = document.querySelector('[data-testid="login-submit"]'); return document.querySelector('[data-testid="login-username"]') && b && !b.disabled; })()`,
};

/**
 * In the page's MutationObserver, once the first row is in: the row and every element in it marked
 * for Element Timing (Chromium reports text painted in an element that carries the attribute), in
 * the same microtask checkpoint as its insertion, so before the frame that first paints it.
 */
const MARK_FIRST_ROW = `var row = ${READY.list};
      [row].concat(Array.prototype.slice.call(row.querySelectorAll('*'))).forEach(function (el) { el.setAttribute('elementtiming', 'first-row'); });`;
/** `__rowsPainted`: the earliest paint Chromium reports of the marked row (ms from navigation). */
const OBSERVE_FIRST_ROW_PAINT = `new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) {
        if (e.identifier !== 'first-row' || !e.renderTime) return;
        if (window.__rowsPainted === undefined || e.renderTime < window.__rowsPainted) window.__rowsPainted = e.renderTime;
      });
    }).observe({ type: 'element', buffered: true });`;

interface Build {
  label: string;
  stack: Stack;
  /** The reference page's file, written into the build's directory for the run. */
  referenceFile: string;
  token: string;
  urls: Record<Kind, string>;
}

interface Visit {
  /** The list: the first row's paint (Element Timing); the sign-in screen: as `afterFrameMs`. */
  rowsMs: number;
  /** The first task after the frame that follows the row's insertion (the older measure). */
  afterFrameMs: number;
  requests: string[];
}

type Kind = 'app' | 'reference';

export async function benchPhoneFirstScreen(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '7' },
      screen: { type: 'string', default: 'list' },
      dist: { type: 'string', multiple: true },
      out: { type: 'string' },
      'dev-services': { type: 'boolean', default: false },
      trace: { type: 'string' },
    },
  });
  const rounds = Math.max(1, Number(values.rounds));
  const screen = values.screen as Screen;
  if (!(screen in NETWORKS)) throw new Error(`--screen: list or sign-in, not ${values.screen}`);
  const dists = (values.dist ?? [`app=${join(ROOT, 'web/dist')}`]).map((d) => {
    const [label, dir] = d.split('=');
    if (!label || !dir || !existsSync(join(dir, 'index.html'))) throw new Error(`--dist ${d}: LABEL=DIR with a built index.html`);
    return { label, dir: resolve(dir) };
  });
  const loadBefore = loadavg().map((l) => l.toFixed(1));
  console.log(`phone-first-screen (${screen}): ${machine()}; load average ${loadBefore.join(' ')}`);

  const builds: Build[] = [];
  let browser: Browser | undefined;
  try {
    for (const { label, dir } of dists) builds.push(await startBuild(label, dir, screen, values['dev-services']));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });

    const results: Array<Record<string, Record<Kind, { first: Visit; repeat: Visit }>>> = [];
    // One unmeasured round first: the server's and the disk's caches warm, as for every later round.
    for (const b of builds) for (const kind of ['app', 'reference'] as const) await visitTwice(browser, b.urls[kind], b.token, screen);
    for (let round = 0; round < rounds; round++) {
      const r: Record<string, Record<Kind, { first: Visit; repeat: Visit }>> = {};
      // Every build and page in turn, the order rotating from round to round.
      const order = builds.flatMap((b) => (['app', 'reference'] as const).map((kind) => ({ b, kind })));
      const shift = round % order.length;
      for (const { b, kind } of [...order.slice(shift), ...order.slice(0, shift)]) {
        r[b.label] ??= {} as Record<Kind, { first: Visit; repeat: Visit }>;
        r[b.label]![kind] = await visitTwice(browser, b.urls[kind], b.token, screen);
      }
      results.push(r);
      console.log(
        `round ${round + 1}: ` +
          builds
            .map(({ label }) => {
              const x = r[label]!;
              return `${label} first ${ms(x.app.first.rowsMs)} / reference ${ms(x.reference.first.rowsMs)} = ${(x.app.first.rowsMs / x.reference.first.rowsMs).toFixed(2)}×, repeat ${ms(x.app.repeat.rowsMs)} / ${ms(x.reference.repeat.rowsMs)} = ${(x.app.repeat.rowsMs / x.reference.repeat.rowsMs).toFixed(2)}× (the older measure: first ${ms(x.app.first.afterFrameMs)} / ${ms(x.reference.first.afterFrameMs)})`;
            })
            .join('; '),
      );
    }
    const loadAfter = loadavg().map((l) => l.toFixed(1));
    console.log(`load average after: ${loadAfter.join(' ')}`);
    if (values.trace) for (const b of builds) await traceFirstVisit(browser, b, screen, values.trace);
    for (const { label } of builds)
      console.log(
        `${label}: the app's first visit, requests (start → end, ms from navigation):\n  ${results[0]![label]!.app.first.requests.join('\n  ')}`,
      );
    const section = report(
      screen,
      builds.map((b) => b.label),
      results,
      loadBefore,
      loadAfter,
    );
    console.log(section);
    if (values.out) writeFileSync(values.out, section);
    else writeSection(screen === 'list' ? 'phone-first-screen-bench' : 'phone-sign-in-bench', section);
  } finally {
    await browser?.close();
    for (const b of builds) {
      rmSync(b.referenceFile, { force: true });
      await b.stack.stop();
    }
  }
}

/** A stack serving one build, with a shop of 40 SIMs and its staff user signed in (the token). */
async function startBuild(label: string, dir: string, screen: Screen, devServices: boolean): Promise<Build> {
  // --dev-services: the services from their sources (tsx), the main API still serving the built web
  // app from DIR: `--prod` rebuilds any service whose sources changed first, which on a machine
  // shared with others editing them took minutes or failed on their unfinished code.
  const stack = await startStack({ prod: !devServices, env: { WEB_DIST_DIR: dir }, readyWithinMs: 900_000 });
  const origin = devServices ? stack.mainApi : stack.web;
  const referenceFile = join(dir, REFERENCE_FILE);
  try {
    writeFileSync(referenceFile, screen === 'list' ? REFERENCE_HTML : SIGN_IN_REFERENCE_HTML);
    const api = await StackApi.asAdmin(stack);
    const shop = await api.createShop('Chilonzor Aloqa', 'BENCH-PHONE');
    await api.giveSimcards(shop.id, iccids('77', 40));
    await api.createStaff('bench-staff', 'bench-staff-password', shop.id);
    const login = await fetch(`${stack.mainApi}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench-staff', password: 'bench-staff-password' }),
    });
    const { token } = (await login.json()) as { token: string };
    if (!token) throw new Error(`staff sign-in failed: ${login.status}`);
    const appPath = screen === 'list' ? '/simcards' : '/';
    // The sign-in screen is a new visitor's: no token in the browser.
    return {
      label,
      stack,
      referenceFile,
      token: screen === 'list' ? token : '',
      urls: { app: `${origin}${appPath}`, reference: `${origin}/${REFERENCE_FILE}` },
    };
  } catch (err) {
    rmSync(referenceFile, { force: true });
    await stack.stop();
    throw err;
  }
}

/**
 * A fresh context (nothing cached) as the phone: the token stored, the rows' moments marked
 * (`__rowsAt` when the screen's READY test first holds, `__rowsVisible` after the frame that paints
 * it), the network and the CPU throttled.
 */
async function phonePage(browser: Browser, token: string, screen: Screen): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(PHONE);
  // A string, not a function: tsx's helpers (__name) would not exist in the page.
  await context.addInitScript(`(() => {
    ${token ? `localStorage.setItem('simcard.token', ${JSON.stringify(token)});` : ''}
    new MutationObserver(() => {
      if (window.__rowsAt !== undefined || !${READY[screen]}) return;
      window.__rowsAt = performance.now();
      ${screen === 'list' ? MARK_FIRST_ROW : ''}
      // The older measure: the first task after the frame that paints it.
      requestAnimationFrame(() => setTimeout(() => (window.__rowsVisible = performance.now()), 0));
    }).observe(document, { childList: true, subtree: true${screen === 'sign-in' ? ', attributes: true' : ''} });
    ${screen === 'list' ? OBSERVE_FIRST_ROW_PAINT : ''}
  })()`);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, ...NETWORKS[screen] });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  return { context, page };
}

/** A first visit in a fresh context (nothing cached), then the same URL again in the same tab. */
async function visitTwice(browser: Browser, url: string, token: string, screen: Screen): Promise<{ first: Visit; repeat: Visit }> {
  const { context, page } = await phonePage(browser, token, screen);
  try {
    const first = await visit(page, url, screen);
    const repeat = await visit(page, url, screen);
    return { first, repeat };
  } finally {
    await context.close();
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { url?: string } };
}

/** The trace's main-thread event names, by what they are. */
const TRACE_KINDS: Array<[string, RegExp]> = [
  [
    'script',
    /^(EvaluateScript|v8\.|FunctionCall|TimerFire|EventDispatch|FireAnimationFrame|RunMicrotasks|V8\.|GCEvent|MinorGC|MajorGC|BlinkGC)/,
  ],
  [
    'style, layout, paint',
    /^(UpdateLayoutTree|Layout|PrePaint|Paint|Commit|Layerize|UpdateLayer|HitTest|RecalculateStyles|ScheduleStyleRecalculation|IntersectionObserver)/,
  ],
  ['HTML, CSS parse', /^(ParseHTML|ParseAuthorStyleSheet)/],
];

/** One first visit of the build's app with the trace on; its main thread's self time up to the rows, by kind. */
async function traceFirstVisit(browser: Browser, b: Build, screen: Screen, dir: string): Promise<void> {
  const { context, page } = await phonePage(browser, b.token, screen);
  try {
    const path = join(dir, `${b.label}.json`);
    await browser.startTracing(page, {
      path,
      categories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'loading'],
    });
    const { rowsMs } = await visit(page, b.urls.app, screen);
    await browser.stopTracing();
    const { traceEvents } = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: TraceEvent[] };
    // The renderer's main thread: the one whose events evaluate the page's scripts.
    const main = traceEvents.find(
      (e) =>
        e.name === 'thread_name' &&
        e.args?.name === 'CrRendererMain' &&
        traceEvents.some((x) => x.pid === e.pid && x.tid === e.tid && x.name === 'ParseHTML'),
    );
    if (!main) throw new Error('trace: no renderer main thread');
    // Trace timestamps are µs; the page's times (rowsMs) count from its navigationStart.
    const nav = traceEvents.find((e) => e.name === 'navigationStart' && e.pid === main.pid)?.ts;
    const end = (nav ?? 0) + rowsMs * 1000;
    const events = traceEvents
      .filter(
        (e) =>
          e.pid === main.pid &&
          e.tid === main.tid &&
          e.ph === 'X' &&
          e.dur !== undefined &&
          (nav === undefined || e.ts >= nav) &&
          e.ts < end,
      )
      .sort((x, y) => x.ts - y.ts || y.dur! - x.dur!);
    // Self time: an event's duration less its children's (events nest on one thread).
    const self = new Map<string, number>();
    const stack: TraceEvent[] = [];
    const add = (e: TraceEvent, us: number) => self.set(e.name, (self.get(e.name) ?? 0) + us);
    const own = new Map<TraceEvent, number>();
    for (const e of events) {
      while (stack.length && stack.at(-1)!.ts + stack.at(-1)!.dur! <= e.ts) stack.pop();
      const parent = stack.at(-1);
      if (parent) own.set(parent, (own.get(parent) ?? parent.dur!) - Math.min(e.dur!, parent.ts + parent.dur! - e.ts));
      stack.push(e);
    }
    for (const e of events) add(e, Math.max(0, own.get(e) ?? e.dur!));
    const byKind = new Map<string, number>();
    let busy = 0;
    for (const [name, us] of self) {
      if (name === 'RunTask' || name === 'ThreadControllerImpl::RunTask') {
        byKind.set('tasks (other)', (byKind.get('tasks (other)') ?? 0) + us);
      } else {
        const kind = TRACE_KINDS.find(([, re]) => re.test(name))?.[0] ?? 'other';
        byKind.set(kind, (byKind.get(kind) ?? 0) + us);
      }
      busy += us;
    }
    const top = [...self].sort((x, y) => y[1] - x[1]).slice(0, 12);
    console.log(
      `${b.label}: traced first visit (${path}), rows at ${ms(rowsMs)}${nav === undefined ? ' (no navigationStart: whole trace)' : ''}; main thread busy ${ms(busy / 1000)}: ` +
        [...byKind].map(([k, us]) => `${k} ${ms(us / 1000)}`).join(', ') +
        `\n  by event (self): ${top.map(([n, us]) => `${n} ${ms(us / 1000)}`).join(', ')}`,
    );
  } finally {
    await context.close();
  }
}

/** What the page's window holds for the measurement (this project compiles without the DOM's types). */
interface PageWindow {
  __rowsVisible?: number;
  __rowsPainted?: number;
  document: { body?: { innerText: string } };
  performance: { getEntriesByType(type: string): Array<{ name: string; startTime: number; responseEnd: number }> };
}

async function visit(page: Page, url: string, screen: Screen): Promise<Visit> {
  await page.goto(url, { waitUntil: 'commit', timeout: 60_000 });
  try {
    await page.waitForFunction(
      (painted) => {
        const w = globalThis as unknown as PageWindow;
        return w.__rowsVisible !== undefined && (!painted || w.__rowsPainted !== undefined);
      },
      screen === 'list',
      { timeout: 60_000, polling: 100 },
    );
  } catch (err) {
    const text = await page.evaluate(() => (globalThis as unknown as PageWindow).document.body?.innerText ?? '').catch(() => '?');
    throw new Error(`not on screen at ${url} (the page says: ${text.slice(0, 300)})`, { cause: err });
  }
  return page.evaluate(() => {
    const w = globalThis as unknown as PageWindow;
    const requests = w.performance
      .getEntriesByType('resource')
      .map((e) => `${Math.round(e.startTime)} → ${Math.round(e.responseEnd)} ${String(e.name).replace(/^https?:\/\/[^/]+/, '')}`);
    return { rowsMs: w.__rowsPainted ?? w.__rowsVisible!, afterFrameMs: w.__rowsVisible!, requests };
  });
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

type Round = Record<string, Record<Kind, { first: Visit; repeat: Visit }>>;

function spread(values: number[], digits: number, unit: string): string {
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}${unit}`;
}

function report(screen: Screen, labels: string[], results: Round[], loadBefore: string[], loadAfter: string[]): string {
  const base = labels[0]!;
  const rows: string[] = [];
  const verdicts: string[] = [];
  for (const label of labels) {
    for (const visit of ['first', 'repeat'] as const) {
      const ratios = results.map((r) => r[label]!.app[visit].rowsMs / r[label]!.reference[visit].rowsMs);
      const apps = results.map((r) => r[label]!.app[visit].rowsMs);
      const app = median(apps);
      const ref = median(results.map((r) => r[label]!.reference[visit].rowsMs));
      const m = median(ratios);
      const vsBase = results.map((r) => r[label]!.app[visit].rowsMs / r[base]!.app[visit].rowsMs);
      const cells = [
        label,
        `${visit} visit`,
        `${ms(app)} (${spread(apps, 0, ' ms')})`,
        ms(ref),
        `**${m.toFixed(2)}×**`,
        spread(ratios, 2, '×'),
        ratios.map((x) => x.toFixed(2)).join(', '),
      ];
      if (labels.length > 1) cells.push(label === base ? '1' : `${median(vsBase).toFixed(2)}× (${spread(vsBase, 2, '×')})`);
      rows.push(`| ${cells.join(' | ')} |`);
      verdicts.push(
        screen === 'list'
          ? `${label} ${visit} visit: ${m <= GOAL ? 'met' : 'NOT met'} (${m.toFixed(2)}×)`
          : `${label} ${visit} visit: ${app <= SIGN_IN_GOAL_MS ? 'met' : 'NOT met'} (${ms(app)})`,
      );
    }
  }
  // The list's older measure, for comparison with the runs before the paint was measured.
  const afterFrame = labels.flatMap((label) =>
    (['first', 'repeat'] as const).map((visit) => {
      const ratios = results.map((r) => r[label]!.app[visit].afterFrameMs / r[label]!.reference[visit].afterFrameMs);
      return `${label} ${visit} visit ${median(ratios).toFixed(2)}× (${ratios.map((x) => x.toFixed(2)).join(', ')})`;
    }),
  );
  const busy = Number(loadBefore[0]) > 2 || Number(loadAfter[0]) > 2;
  const what =
    screen === 'list'
      ? `## The phone's first screen: SIM list rows vs a minimal page (issue 14, goal 6)

\`npm run bench -- phone-first-screen\`: the production stack (\`npm start -- --prod\`), a staff user
with 40 SIMs, Chromium as a 360×740 phone throttled through the DevTools protocol (CPU 4×, 150 ms
round trip, 1.6 Mbit/s down, 750 kbit/s up). From navigation to the first SIM row painted (its
paint as Chromium's Element Timing reports it), on \`/simcards\` of the app and on a minimal page
from the same server making the same \`GET /api/simcards?${LIST_QUERY}\` with the same token.`
      : `## The phone's sign-in screen on 3G Slow (issue 16: ≤ 3 s)

\`npm run bench -- phone-first-screen --screen sign-in\`: the production stack, a new visitor (no
token), Chromium as a 360×740 phone, WebPageTest's "3G Slow" (400 ms round trip, 400 kbit/s) and the
CPU 4× slower, through the DevTools protocol. From navigation to the sign-in form painted with its
button enabled, on the app and on a static page holding the same form (the floor: the HTML alone).`;
  return `
${what}
${results.length} interleaved rounds (order rotating), each a first visit (nothing cached) and a repeat visit (the browser's cache)${labels.length > 1 ? `; builds compared: ${labels.join(', ')}, each served by its own stack` : ''}.
Run ${new Date().toISOString().slice(0, 16)}Z on ${machine()}; load average ${loadBefore.join(' ')} before,
${loadAfter.join(' ')} after.${busy ? ' **The machine was shared with other work (load above its 2 cores): these figures are not a verdict.**' : ''}

| build | visit | app (median, spread) | reference (median) | ratio (median) | spread | per round |${labels.length > 1 ? ` app vs ${base} |` : ''}
| --- | --- | ---: | ---: | ---: | --- | --- |${labels.length > 1 ? ' ---: |' : ''}
${rows.join('\n')}

Goal ${screen === 'list' ? `≤ ${GOAL}× the reference` : `≤ ${SIGN_IN_GOAL_MS / 1000} s`}: ${verdicts.join('; ')}.
${screen === 'list' ? `The older measure (the first task after the frame that follows the row's insertion), ratio median (per round): ${afterFrame.join('; ')}.\n` : ''}`;
}
