/**
 * Two budgets of issue 6, measured the way an operator meets them:
 * - start-up: from running `npm start` to every service answering its health check (goal ≤ 10 s),
 *   median of N runs, each on a fresh SQLite file (so migrations and the first admin are included)
 *   and stopped with Ctrl-C (SIGINT to the process group) before the next;
 * - initial JavaScript: what the optimized web app's index.html loads before anything else (its
 *   module script and modulepreload links), gzipped (goal ≤ 250 KB).
 *
 *   npm run bench -- startup [--runs 3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { freePort, isPortInUse } from '../../scripts/lib/ports.js';
import { BENCH_ADMIN_PASSWORD, machine, median, writeSection } from './harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB_DIST = join(ROOT, 'web/dist');
const STARTUP_GOAL_S = 10;
const INITIAL_JS_GOAL_KB = 250;

interface StartupRun {
  seconds: number;
  stoppedCleanly: boolean;
}

export async function benchStartup(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '3' } } });
  const runs: StartupRun[] = [];
  const load = loadavg()[0]!.toFixed(1);
  for (let i = 0; i < Number(values.runs); i++) {
    runs.push(await timeOneStart());
    console.log(
      `start ${i + 1}: every service healthy after ${runs[i]!.seconds.toFixed(2)} s; Ctrl-C stopped everything: ${runs[i]!.stoppedCleanly}`,
    );
  }
  const bundle = buildAndMeasureInitialJs();
  console.log(`initial JS: ${kb(bundle.totalGzip)} KB gzipped in ${bundle.files.length} file(s)`);

  const startup = median(runs.map((r) => r.seconds));
  const rows = bundle.files.map((f) => `| \`${f.name}\` | ${kb(f.raw)} | ${kb(f.gzip)} |`);
  writeSection(
    'startup',
    `
## \`npm start\` to every service healthy, and the web app's initial JavaScript

Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}, 1-minute load average ${load} when it began; ${runs.length} starts of \`npm start\` (main API, status API,
simulated provider, web app in vite's dev server), each on a fresh SQLite file (migrations and the first admin included),
timed from spawning \`npm start\` until every health check answers (the start script's "ready" line, after its own
polling of each \`/health\` and of the web app's page), then stopped with Ctrl-C (SIGINT). Reference: the issue's budgets.

| | median | runs | goal | |
| --- | ---: | --- | ---: | --- |
| \`npm start\` → all healthy | ${startup.toFixed(2)} s | ${runs.map((r) => r.seconds.toFixed(2)).join(', ')} | ≤ ${STARTUP_GOAL_S} s | ${startup <= STARTUP_GOAL_S ? 'met' : '**missed**'} |
| initial JS, gzipped | ${kb(bundle.totalGzip)} KB | (one build) | ≤ ${INITIAL_JS_GOAL_KB} KB | ${bundle.totalGzip / 1024 <= INITIAL_JS_GOAL_KB ? 'met' : '**missed**'} |

After Ctrl-C the start script said "Stopped." and every port was free again, after each start: ${runs.every((r) => r.stoppedCleanly) ? 'yes' : '**no**'}.
The load average is other engineers' work on the same two cores: the figures are pessimistic.

Initial JavaScript of the optimized build (\`vite build\`; \`web/dist/index.html\`'s module script and modulepreload links,
gzip level 9); pages loaded later (their own chunks) add ${kb(bundle.lazyGzip)} KB gzipped in all, fetched only when opened:

| file | raw KB | gzipped KB |
| --- | ---: | ---: |
${rows.join('\n')}
`,
  );
}

async function timeOneStart(): Promise<StartupRun> {
  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-start-'));
  const ports = {
    MAIN_API_PORT: await freePort(),
    STATUS_API_PORT: await freePort(),
    PROVIDER_SIM_PORT: await freePort(),
    WEB_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(dir, 'start.sqlite')}`,
    ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    FORCE_COLOR: '0',
  };
  for (const [name, port] of Object.entries(ports)) env[name] = String(port);
  delete env.PROVIDER_URL;
  delete env.STATUS_API_URL;
  const began = performance.now();
  // Its own process group: SIGINT to the group is what Ctrl-C in a terminal does.
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const seconds = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (/is ready in/.test(out)) resolve((performance.now() - began) / 1000);
      });
      void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${out}`)));
    });
    await assertHealthy(Object.values(ports));
    process.kill(-child.pid!, 'SIGINT');
    // npm re-raises the SIGINT and exits at once, so its exit says nothing: the start script's last line does.
    const stopped = await waitFor(() => /\[start\] Stopped\./.test(out), 30_000);
    const bound = await Promise.all(Object.values(ports).map(isPortInUse));
    const stillBound = Object.entries(ports)
      .filter((_, i) => bound[i])
      .map(([name]) => name);
    if (!stopped || stillBound.length)
      console.warn(
        `not a clean stop: ${stopped ? '' : 'no "Stopped." line; '}still bound: ${stillBound.join(', ') || 'none'}\n${out.slice(-3000)}`,
      );
    return { seconds, stoppedCleanly: stopped && stillBound.length === 0 };
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already stopped, as it should be.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** The start script's claim, checked independently. */
async function assertHealthy(ports: number[]): Promise<void> {
  const [main, status, provider, web] = ports;
  for (const url of [
    `http://127.0.0.1:${main}/health`,
    `http://127.0.0.1:${status}/health`,
    `http://127.0.0.1:${provider}/health`,
    `http://127.0.0.1:${web}/`,
  ]) {
    const res = await fetch(url);
    await res.body?.cancel();
    if (!res.ok) throw new Error(`${url} answered ${res.status} after the ready line`);
  }
}

interface InitialJs {
  files: Array<{ name: string; raw: number; gzip: number }>;
  totalGzip: number;
  lazyGzip: number;
}

function buildAndMeasureInitialJs(): InitialJs {
  const build = spawnSync('npm', ['run', 'build', '-w', '@simcard/web'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`vite build failed (exit ${build.status})`);
  const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
  const initial = initialScripts(html);
  const gzipOf = (path: string) => gzipSync(readFileSync(path), { level: 9 }).length;
  const files = initial.map((src) => {
    const path = join(WEB_DIST, src.replace(/^\//, ''));
    return { name: src, raw: readFileSync(path).length, gzip: gzipOf(path) };
  });
  const initialNames = new Set(initial.map((src) => src.replace(/^\/?assets\//, '')));
  const lazyGzip = readdirSync(join(WEB_DIST, 'assets'))
    .filter((f) => f.endsWith('.js') && !initialNames.has(f))
    .reduce((sum, f) => sum + gzipOf(join(WEB_DIST, 'assets', f)), 0);
  return { files, totalGzip: files.reduce((s, f) => s + f.gzip, 0), lazyGzip };
}

/** The JavaScript a browser fetches on first load: `<script type="module" src>` and `<link rel="modulepreload" href>`. */
export function initialScripts(html: string): string[] {
  const found = new Set<string>();
  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, 'i').exec(tag)?.[1];
    const isScript = /^<script/i.test(tag) && attr('src');
    const isPreload = /^<link/i.test(tag) && attr('rel') === 'modulepreload';
    const url = isScript ? attr('src') : isPreload ? attr('href') : undefined;
    if (url && !/^https?:/i.test(url)) found.add(url);
  }
  return [...found];
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
