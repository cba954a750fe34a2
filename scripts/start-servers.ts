/**
 * `npm start`: everything on one machine with one command.
 *
 * Reads the configuration once (a bad value stops here with one line), names any port already
 * taken before starting anything, applies migrations and creates the first admin once (so the
 * services do not race for it), then runs the main API, the status API, the simulated provider
 * (only when PROVIDER_URL is unset) and the web app with `concurrently`. It waits until each one
 * answers its health check and prints the URLs. Ctrl-C stops everything. A part that crashes is
 * started again after a pause that grows with each crash in a row (saying so, with its last
 * lines); only one that keeps crashing is given up on, and then everything stops, naming it.
 *
 *   npm start               the web app from vite's dev server
 *   npm start -- --prod     the compiled services (`npm run build`, built first if missing), no tsx;
 *                           the main API serves the built web app itself (= `npm run start:prod`)
 *   npm start -- --demo     the same on a fresh demo database full of data (lib/demo.ts)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, createLogger, loadConfig, loadEnvFile } from '@simcard/common';
import { createDatabase } from '@simcard/db';
import { type CloseEvent, type Command, concurrently } from 'concurrently';
// The bootstrap module alone: the package's index would load the whole API (routes, exceljs, …) for one function.
import { prepareDatabase } from '../services/main-api/src/bootstrap.js';
import { DEMO_ADMIN_PASSWORD, removeDemoDatabase, seedDemoDatabase, startDemoSales, useDemoEnvironment } from './lib/demo.js';
import { type HealthOutcome, waitUntilHealthy } from './lib/health.js';
import { say, sayError, TailBuffer } from './lib/output.js';
import { type Part, partsToStart, WEB_DIR, type WebMode } from './lib/parts.js';
import { freePort, isPortInUse } from './lib/ports.js';
import { RestartBackoff } from './lib/restarts.js';
import { buildIsStale } from './src/build-packages.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Vite's first start compiles its dependency cache; two shared cores make that slow. */
const HEALTHY_WITHIN_MS = 90_000;

const startedAt = performance.now();
const USAGE =
  'usage: npm start [-- --prod] [-- --demo]   (--prod: build the web app and serve the optimized build; --demo: a fresh demo database full of data, and live sales)';
let args: { prod: boolean; help: boolean; demo: boolean };
try {
  args = parseArgs({
    options: {
      prod: { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  sayError(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  say(USAGE);
  process.exit(0);
}
const webMode: WebMode = args.prod ? 'prod' : 'dev';
// .env first: it may hold any setting below (what is already in the environment wins).
loadEnvFile();
if (args.demo) {
  const refused = useDemoEnvironment();
  if (refused) {
    sayError(refused);
    process.exit(1);
  }
}

let config: Config;
try {
  config = await resolvePorts(loadConfig());
} catch (err) {
  sayError(err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}
const parts = partsToStart(config, webMode);
// Every child sees the final ports, so that they agree with each other and with the printed URLs.
const env: Record<string, string> = {
  MAIN_API_PORT: String(config.mainApi.port),
  STATUS_API_PORT: String(config.statusApi.port),
  PROVIDER_SIM_PORT: String(config.provider.simulatorPort),
  WEB_PORT: String(config.web.port),
  // Password hashing and the SQLite driver share libuv's pool: more threads than the default 4.
  // Read once, when the pool starts, so it must be in the environment the process starts with.
  UV_THREADPOOL_SIZE: process.env['UV_THREADPOOL_SIZE'] ?? '8',
  ...(webMode === 'prod' ? { WEB_DIST_DIR: process.env['WEB_DIST_DIR'] ?? join(WEB_DIR, 'dist') } : {}),
  // The parts write into concurrently's pipes, not a terminal: tell them to write readable lines when we show them in one.
  ...(!process.env['LOG_FORMAT'] && process.stdout.isTTY && config.nodeEnv !== 'production' ? { LOG_FORMAT: 'pretty' } : {}),
};

await refuseTakenPorts(parts);
if (args.demo) removeDemoDatabase();
const notes = await prepareOnce(config);
if (args.demo) {
  say('Filling the demo database (db/demo.sqlite)…');
  const demo = await seedDemoDatabase(config);
  notes.push(
    `Demo: ${demo.shops} shops, ${demo.simcards} SIM cards (${demo.sold} sold over two months); the simulated operator sells a few a minute, found by a check run every minute.`,
  );
  if (config.auth.adminPassword === DEMO_ADMIN_PASSWORD)
    notes.push(`Demo: sign in as "${config.auth.adminUsername}" with the password "${DEMO_ADMIN_PASSWORD}".`);
}
if (webMode === 'prod') await buildIfMissing();
if (config.provider.simulated) say(`PROVIDER_URL is not set: starting the simulated provider on port ${config.provider.simulatorPort}.`);
else say(`Checking SIM status against the operator at PROVIDER_URL (the simulator is not started).`);

const { commands, result } = concurrently(
  parts.map((p) => ({ name: p.name, command: p.command, cwd: p.cwd ?? ROOT, prefixColor: p.color, env })),
  // No killOthersOn: a part that stops is restarted below, not a reason to stop the rest.
  { cwd: ROOT, prefix: 'name', padPrefix: true, killTimeout: 5000 },
);
const tails = new Map<string, TailBuffer>();
for (const command of commands) {
  const tail = new TailBuffer(20);
  tails.set(command.name, tail);
  command.stdout.subscribe((chunk: Buffer) => tail.push(chunk));
  command.stderr.subscribe((chunk: Buffer) => tail.push(chunk));
}

const stopRequest: { signal: NodeJS.Signals | null } = { signal: null };
/** Set once everything is being stopped (a signal, not healthy in time, or a part given up on): no more restarts. */
let stopping = false;
const restartTimers = new Set<NodeJS.Timeout>();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // concurrently forwards the signal to every part; this remembers that it was asked for.
  process.on(signal, () => {
    if (!stopRequest.signal) say(`${signal}: stopping everything…`);
    stopRequest.signal = signal;
    stopping = true;
    for (const timer of restartTimers) clearTimeout(timer);
  });
}

for (const command of commands) {
  const backoff = new RestartBackoff();
  const title = parts.find((p) => p.name === command.name)?.title ?? command.name;
  command.close.subscribe((event: CloseEvent) => {
    if (stopping) return;
    const decision = backoff.crashed(event.timings.endDate.getTime() - event.timings.startDate.getTime());
    if (!decision.restart) {
      sayError(`${title} crashed ${decision.crashes} times in a row, each soon after starting: not restarting it again.`);
      stopAll(commands);
      return;
    }
    sayError(
      `${title} stopped (exit ${event.exitCode}); restarting it in ${decision.delayMs / 1000} s (restart ${decision.attempt} in a row). Its last lines:`,
    );
    process.stderr.write(tails.get(command.name)?.text() ?? '');
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (stopping) return;
      say(`restarting ${title}…`);
      command.start();
    }, decision.delayMs);
    restartTimers.add(timer);
  });
}

const finished = result.then(
  (events) => events,
  (events: CloseEvent[]) => events,
);
const stopWaiting = new AbortController();
void finished.then(() => stopWaiting.abort());

try {
  printReady(parts, await waitForAll(parts, stopWaiting.signal), notes);
  if (args.demo)
    await startDemoSales(config).catch((err: unknown) => sayError(`demo: ${err instanceof Error ? err.message : String(err)}`));
} catch {
  if (!stopWaiting.signal.aborted) {
    // Still running, yet not healthy in time: name them and stop the rest.
    stopAll(commands);
  }
}

const events = await finished;
if (stopRequest.signal) {
  say('Stopped.');
  process.exit(0);
}
explainFailure(events);
process.exit(1);

async function resolvePorts(c: Config): Promise<Config> {
  // Port 0 ("any free port") is chosen here, so the URLs can be printed and the parts can find each other.
  const pick = async (port: number) => (port === 0 ? await freePort() : port);
  return {
    ...c,
    mainApi: { port: await pick(c.mainApi.port) },
    statusApi: { ...c.statusApi, port: await pick(c.statusApi.port) },
    provider: { ...c.provider, simulatorPort: await pick(c.provider.simulatorPort) },
    web: { port: await pick(c.web.port) },
  };
}

async function refuseTakenPorts(list: Part[]): Promise<void> {
  const taken: Part[] = [];
  for (const part of list) if (await isPortInUse(part.port)) taken.push(part);
  if (!taken.length) return;
  for (const part of taken) {
    sayError(`port ${part.port} (${part.title}) is already in use: stop what uses it, or set ${part.portVariable} to another port.`);
  }
  process.exit(1);
}

/** Migrations and the first admin, once; the warnings (e.g. a generated password) are repeated at the end. */
async function prepareOnce(c: Config): Promise<string[]> {
  const notes: string[] = [];
  const base = createLogger('start');
  const log = { ...base, warn: (message: string, fields?: Record<string, unknown>) => (notes.push(message), base.warn(message, fields)) };
  const db = createDatabase(c.database);
  try {
    await prepareDatabase(db, c, log);
  } catch (err) {
    sayError(`could not prepare the database (${c.database.client}): ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  } finally {
    await db.destroy();
  }
  return notes;
}

/** `npm run build` when a compiled service or the web build is missing or older than its sources. */
async function buildIfMissing(): Promise<void> {
  const stale = buildIsStale();
  if (stale.length === 0) {
    say('Running the existing build (up to date with the sources).');
    return;
  }
  // Only the half that changed: the web app (vite) or the services (tsc).
  const web = stale.some((f) => f.includes(`${join('web', 'dist')}`));
  const only = !web ? ['--skip-web'] : stale.length === 1 ? ['--skip-services'] : [];
  say('Building (npm run build): the services with tsc, the web app with vite…');
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/src/build.ts'), ...only], { cwd: ROOT, stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    sayError(`the build failed (exit ${code}); nothing was started.`);
    process.exit(1);
  }
}

/** Each part's health, in `list`'s order, once every one answers. */
async function waitForAll(list: Part[], signal: AbortSignal): Promise<HealthOutcome[]> {
  const deadline = AbortSignal.timeout(HEALTHY_WITHIN_MS);
  const either = AbortSignal.any([signal, deadline]);
  const pending = new Set(list.map((p) => p.title));
  try {
    return await Promise.all(
      list.map(async (p) => {
        const outcome = await waitUntilHealthy(p.healthUrl, either);
        pending.delete(p.title);
        return outcome;
      }),
    );
  } catch (err) {
    if (deadline.aborted && !signal.aborted) {
      sayError(`not healthy after ${HEALTHY_WITHIN_MS / 1000} s: ${[...pending].join(', ')}. Stopping everything.`);
    }
    throw err;
  }
}

function printReady(list: Part[], health: HealthOutcome[], warnings: string[]): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const width = Math.max(...list.map((p) => p.title.length));
  const lines = list.map((p, i) => {
    const problem = health[i]?.problem;
    return `  ${p.title.padEnd(width)}  ${p.url}${p.name === 'main-api' ? '   (API docs: /docs)' : ''}${problem ? `   running, but its /health reports: ${problem}` : ''}`;
  });
  // --prod: the main API serves the web app (static-web.ts).
  const web = (list.find((p) => p.name === 'web') ?? list.find((p) => p.name === 'main-api')!).url;
  const password = config.auth.adminPassword ? 'ADMIN_PASSWORD' : 'the password printed when that admin was first created';
  const login = `Open ${web} and sign in as "${config.auth.adminUsername}" with ${password}.`;
  say(
    [
      'SimCard Manager is ready in ' + seconds + ' s:',
      ...lines,
      ...warnings.map((w) => `Note: ${w}`),
      login,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

function stopAll(list: Command[]): void {
  stopping = true;
  for (const timer of restartTimers) clearTimeout(timer);
  for (const command of list) if (command.state === 'started') command.kill();
}

/** Names the part that ended first on its own (not killed by us) and shows its last lines. */
function explainFailure(closed: CloseEvent[]): void {
  const cause = closed.filter((e) => !e.killed).sort((a, b) => a.timings.endDate.getTime() - b.timings.endDate.getTime())[0];
  if (!cause) {
    sayError('stopped: a part did not become healthy in time (see above).');
    return;
  }
  const name = cause.command.name;
  const title = parts.find((p) => p.name === name)?.title ?? name;
  sayError(`${title} stopped (exit ${cause.exitCode}) and was given up on, so everything was stopped. Its last lines:`);
  process.stderr.write(tails.get(name)?.text() ?? '');
}
