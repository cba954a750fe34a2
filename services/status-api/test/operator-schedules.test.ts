/**
 * Scheduled runs per operator (issue 15): `PROVIDER_<OP>_AUTO_CHECK_INTERVAL_MIN` gives an
 * operator a schedule of its own (`auto-check:<op>`, runs of that operator only), and
 * `AUTO_CHECK_INTERVAL_MIN` schedules the operators without one. Each schedule fires once per
 * interval however many workers share the database. All real: two simulators playing Beeline and
 * Ucell, the status API workers on one database (SQLite file or PostgreSQL schema, per project),
 * each configured from the environment as `npm run status-api` would be.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig, silentLogger } from '@simcard/common';
import { startMainApi } from '@simcard/main-api';
import { DEFAULT_SIM_CONFIG, type SimConfig, startProviderSim } from '@simcard/provider-sim';
import { type RunningStatusApi, startStatusApi } from '../src/main.js';
import { PROVIDER_TOKEN, Testbed } from './support/testbed.js';

type Sim = Awaited<ReturnType<typeof startProviderSim>>;

/** The simulator's defaults: no latency, no failures. */
const CALM: SimConfig = DEFAULT_SIM_CONFIG;

let bed: Testbed;
let beeline: Sim;
let ucell: Sim;
/** The operators' variables, without any schedule: the bed's own worker schedules nothing. */
let providerEnv: Record<string, string>;
const workers: RunningStatusApi[] = [];
/** Checkable SIMs per operator (they stay inactive, so every run checks them all). */
const SIMS = { beeline: 3, ucell: 2, uzmobile: 2 };

beforeAll(async () => {
  beeline = await startProviderSim({ port: 0, token: PROVIDER_TOKEN });
  ucell = await startProviderSim({ port: 0, token: PROVIDER_TOKEN });
  beeline.state.config = { ...CALM };
  ucell.state.config = { ...CALM };
  providerEnv = {
    PROVIDER_BEELINE_URL: beeline.url,
    PROVIDER_BEELINE_TOKEN: PROVIDER_TOKEN,
    PROVIDER_UCELL_URL: ucell.url,
    PROVIDER_UCELL_TOKEN: PROVIDER_TOKEN,
  };
  bed = await Testbed.start(providerEnv);
  const shop = await bed.createShop();
  // uzmobile has no provider: never in an operator's run.
  for (const [operator, n] of Object.entries(SIMS)) for (let i = 0; i < n; i++) await bed.createSim({ shop_id: shop.id, operator });
});
afterEach(async () => {
  while (workers.length > 0) await workers.pop()!.close();
  beeline.state.config = { ...CALM };
  ucell.state.config = { ...CALM };
  // Whatever the closed workers left running ends (interrupted, or finished by the bed's worker).
  for (let i = 0; i < 200 && (await bed.db('check_runs').where({ status: 'running' }).first()); i++)
    await new Promise((r) => setTimeout(r, 50));
  await bed.db('check_runs').where({ status: 'running' }).update({ status: 'interrupted' });
});
afterAll(async () => {
  await bed.close();
  await beeline.close();
  await ucell.close();
});

/** A status API worker on the bed's database, configured from these variables (plus the operators'). */
async function worker(env: Record<string, string>): Promise<RunningStatusApi> {
  const loaded = loadConfig({
    NODE_ENV: 'test',
    STATUS_API_PORT: '0',
    PROVIDER_TOKEN,
    ...providerEnv,
    ...env,
  });
  const config: Config = { ...loaded, database: bed.config.database, auth: bed.config.auth };
  const started = await startStatusApi(config, silentLogger);
  workers.push(started);
  return started;
}

/** Scheduled runs started since `since`, oldest first, as the API shows them. */
async function scheduledSince(since: string): Promise<any[]> {
  const page = (await bed.call('GET', `${bed.statusUrl}/check-runs?limit=500`)).body;
  return page.data.filter((r: any) => r.trigger === 'scheduled' && r.started_at >= since).reverse();
}

/** Waits until `enough` says the scheduled runs since `since` are enough; answers them. */
async function waitForScheduled(since: string, enough: (runs: any[]) => boolean, timeoutMs = 30_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await scheduledSince(since);
    if (enough(runs)) return runs;
    if (Date.now() > deadline) throw new Error(`not enough scheduled runs: ${JSON.stringify(runs.map((r) => [r.operators, r.status]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const key = (run: any) => (run.operators === null ? '*' : run.operators.join(','));
const completed = (runs: any[], k: string) => runs.filter((r) => key(r) === k && r.status === 'completed');
const scheduleNames = async () => (await bed.db('schedules').orderBy('name').pluck('name')) as string[];

test('two operators with their own intervals: runs of each operator alone, with only its SIMs, once per interval across two workers', async () => {
  const since = new Date().toISOString();
  const startedAt = Date.now();
  // Beeline every 1.2 s, Ucell every 3 s; AUTO_CHECK_INTERVAL_MIN set too, but every operator has its own: it does nothing.
  const env = {
    PROVIDER_BEELINE_AUTO_CHECK_INTERVAL_MIN: '0.02',
    PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: '0.05',
    AUTO_CHECK_INTERVAL_MIN: '0.01',
  };
  await worker(env);
  await worker(env);
  const runs = await waitForScheduled(since, (r) => completed(r, 'beeline').length >= 3 && completed(r, 'ucell').length >= 2);
  const elapsedMs = Date.now() - startedAt;

  // Only runs of one operator each: no run of every SIM (the global schedule did nothing).
  expect(new Set(runs.map(key))).toEqual(new Set(['beeline', 'ucell']));
  for (const run of runs.filter((r) => r.status === 'completed')) {
    const operator = run.operators[0];
    const expected = SIMS[operator as keyof typeof SIMS];
    // Its operator's SIMs only: none of the other's, none of uzmobile's (not even as no_provider).
    expect(run).toMatchObject({ total: expected, done: expected, skipped: 0, errors: 0 });
    expect(run.by_operator.map((o: any) => o.operator)).toEqual([operator]);
  }
  // Once per interval, not once per worker: each firing moves its schedule's next time a whole interval on.
  expect(runs.filter((r) => key(r) === 'beeline').length).toBeLessThanOrEqual(Math.floor(elapsedMs / 1200) + 1);
  expect(runs.filter((r) => key(r) === 'ucell').length).toBeLessThanOrEqual(Math.floor(elapsedMs / 3000) + 1);
  expect(await scheduleNames()).toEqual(expect.arrayContaining(['auto-check:beeline', 'auto-check:ucell']));
  expect(await scheduleNames()).not.toContain('auto-check');
}, 60_000);

test('AUTO_CHECK_INTERVAL_MIN schedules the operators without an interval of their own, in one run of them', async () => {
  const since = new Date().toISOString();
  await worker({ PROVIDER_BEELINE_AUTO_CHECK_INTERVAL_MIN: '0.02', AUTO_CHECK_INTERVAL_MIN: '0.02' });
  const runs = await waitForScheduled(since, (r) => completed(r, 'beeline').length >= 2 && completed(r, 'ucell').length >= 2);
  expect(new Set(runs.map(key))).toEqual(new Set(['beeline', 'ucell']));
  const rest = completed(runs, 'ucell')[0];
  expect(rest).toMatchObject({ total: SIMS.ucell, skipped: 0 });
  expect(rest.by_operator.map((o: any) => o.operator)).toEqual(['ucell']);
}, 60_000);

test('no per-operator interval: one run of every SIM per AUTO_CHECK_INTERVAL_MIN, as before (operators without a provider skipped)', async () => {
  const since = new Date().toISOString();
  await worker({ AUTO_CHECK_INTERVAL_MIN: '0.02' });
  const runs = await waitForScheduled(since, (r) => completed(r, '*').length >= 2);
  expect(new Set(runs.map(key))).toEqual(new Set(['*']));
  const run = completed(runs, '*')[0];
  expect(run).toMatchObject({ total: SIMS.beeline + SIMS.ucell + SIMS.uzmobile, skipped: SIMS.uzmobile });
  expect(run.by_operator.map((o: any) => o.operator).sort()).toEqual(['beeline', 'ucell', 'uzmobile']);
  expect(run.by_operator.find((o: any) => o.operator === 'uzmobile')).toMatchObject({ skipped: SIMS.uzmobile, reason: 'no_provider' });
}, 60_000);

test('data_stale counts the operators’ own intervals: with only operators scheduled it is judged (not null), against the longest', async () => {
  // The bed's own worker schedules nothing: nothing is expected to refresh the data.
  expect((await bed.call('GET', `${bed.statusUrl}/health`, undefined, null)).body.data_stale).toBeNull();
  // Only Beeline is scheduled (every 10 minutes): the data is judged, and a run completed just now is fresh.
  const scheduled = await worker({ PROVIDER_BEELINE_AUTO_CHECK_INTERVAL_MIN: '10', AUTO_CHECK_INTERVAL_MIN: '0' });
  await bed.waitForRun((await bed.call('POST', `${bed.statusUrl}/check-runs`, {})).body.id);
  const health = (await bed.call('GET', `${scheduled.url}/health`, undefined, null)).body;
  expect(health.last_check_run_at).not.toBeNull();
  expect(health.data_stale).toBe(false);
});

test("the schedules are shown with when each is next due: GET /check-runs/schedules, and the run screen's GET /check-runs/operators", async () => {
  // The bed's own worker schedules nothing: it says so (the main API's run screen then says runs start by hand).
  expect((await bed.call('GET', `${bed.statusUrl}/check-runs/schedules`)).body).toEqual({ data: [] });
  // The earlier tests' schedule rows (shared by name, due soon) go: these schedules are set up afresh.
  await bed.db('schedules').del();
  const before = Date.now();
  const scheduled = await worker({ PROVIDER_BEELINE_AUTO_CHECK_INTERVAL_MIN: '10', AUTO_CHECK_INTERVAL_MIN: '30' });
  const expected = [
    { name: 'auto-check:beeline', operators: ['beeline'], interval_min: 10 },
    { name: 'auto-check', operators: ['ucell'], interval_min: 30 },
  ];
  let data: any[] = [];
  // The worker sets each schedule up just after it starts listening.
  for (let i = 0; i < 100 && !(data.length === 2 && data.every((s) => s.next_due_at)); i++) {
    data = (await bed.call('GET', `${scheduled.url}/check-runs/schedules`)).body.data;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(data).toMatchObject(expected);
  for (const [i, s] of data.entries()) {
    // Due one interval after the worker started (not fired yet: the first run waits a whole interval).
    const dueIn = Date.parse(s.next_due_at) - before;
    expect(dueIn).toBeGreaterThan(expected[i]!.interval_min * 60_000 - 60_000);
    expect(dueIn).toBeLessThanOrEqual(expected[i]!.interval_min * 60_000 + 60_000);
  }
  // The main API passes them on beside the operators (admins only).
  const main = await startMainApi({ ...bed.config, statusApi: { ...bed.config.statusApi, url: scheduled.url } }, silentLogger);
  try {
    const res = await bed.call('GET', `${main.url}/check-runs/operators`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ operators: ['beeline', 'ucell'], schedules: data });
    const shop = await bed.createShop();
    expect((await bed.call('GET', `${main.url}/check-runs/operators`, undefined, await bed.staffToken(shop.id))).status).toBe(403);
  } finally {
    await main.close();
  }
});

describe('overlaps: one run at a time', () => {
  /** A manual run of one operator that lasts until cancelled: its operator never answers (each call times out). */
  async function longRun(operator: 'beeline' | 'ucell'): Promise<any> {
    (operator === 'beeline' ? beeline : ucell).state.config = { ...CALM, timeout_rate: 1 };
    const run = (await bed.call('POST', `${bed.statusUrl}/check-runs`, { operators: [operator] })).body;
    expect(run.status).toBe('running');
    return run;
  }

  /** Makes the schedule due now (its interval is 10 minutes: it would not come due in a test). */
  async function dueNow(name: string): Promise<void> {
    await bed
      .db('schedules')
      .where({ name })
      .update({ next_due_at: new Date(Date.now() - 1000).toISOString() });
  }

  async function nextDueMs(name: string): Promise<number> {
    const row = await bed.db('schedules').where({ name }).first('next_due_at');
    return new Date(row.next_due_at).getTime();
  }

  test('a schedule due while a run of another operator goes on starts once that run has ended, not an interval later', async () => {
    await worker({ PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: '10' });
    const blocking = await longRun('beeline');
    const since = new Date().toISOString();
    await dueNow('auto-check:ucell');
    // Claimed while Beeline's run goes on (a tick is 5 s at most): the schedule stays due.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await scheduledSince(since)).toEqual([]);
    expect(await nextDueMs('auto-check:ucell')).toBeLessThan(Date.now() + 60_000);
    await bed.call('POST', `${bed.statusUrl}/check-runs/${blocking.id}/cancel`);
    const runs = await waitForScheduled(since, (r) => completed(r, 'ucell').length >= 1);
    expect(runs.map(key)).toEqual(['ucell']);
    // Its interval counts from the firing that started the run.
    expect(await nextDueMs('auto-check:ucell')).toBeGreaterThan(Date.now() + 9 * 60_000);
  }, 60_000);

  test('a schedule due while a run of its own operators goes on leaves it alone and waits for its next interval, as before', async () => {
    await worker({ PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: '10' });
    const running = await longRun('ucell');
    const since = new Date().toISOString();
    await dueNow('auto-check:ucell');
    const deadline = Date.now() + 15_000;
    while ((await nextDueMs('auto-check:ucell')) < Date.now() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Fired (skipped): its next time is an interval on, and stays there.
    expect(await nextDueMs('auto-check:ucell')).toBeGreaterThan(Date.now() + 9 * 60_000);
    await bed.call('POST', `${bed.statusUrl}/check-runs/${running.id}/cancel`);
    expect(await nextDueMs('auto-check:ucell')).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(await scheduledSince(since)).toEqual([]);
  }, 60_000);
});

test('a bad PROVIDER_<OP>_AUTO_CHECK_INTERVAL_MIN stops start-up with one line naming it', async () => {
  const expected = 'PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: must be minutes from 0 (not scheduled) to 10080; fractions allowed';
  expect(() => loadConfig({ NODE_ENV: 'test', ...providerEnv, PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: 'hourly' })).toThrow(expected);

  // The real process: exits 1 with that line, before listening.
  const script = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: bed.database.url,
      STATUS_API_PORT: '0',
      LOG_FORMAT: 'json',
      ...providerEnv,
      PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: '-5',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toContain(expected);
  expect(stderr).not.toContain('listening');
  expect(stderr.trim().split('\n')).toHaveLength(1);
}, 30_000);
