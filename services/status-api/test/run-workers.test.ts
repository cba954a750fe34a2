/**
 * Several status API workers on one database (issue 18): a run is shared by every worker, page by
 * page (migration 1901). A worker that starts joins a live run and takes no page from a live
 * worker; a killed worker's pages are taken over; every SIM is logged once per run and the run's
 * counters are its log rows; a cancel reaches every worker from any instance; a dead worker's
 * run is ended by a cancel; a schedule fires once per interval whatever the number of workers.
 */
import { type Config, silentLogger } from '@simcard/common';
import { runLeasesRepository } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { type RunningStatusApi, startStatusApi } from '../src/main.js';
import { Testbed } from './support/testbed.js';

const LEASE_MS = 1000;
/** SIMs per page: small, so a run of a few dozen SIMs has pages for every worker. */
const PAGE_SIZE = 5;
/** Several workers on one run at once: PostgreSQL. SQLite is one process's database: one worker at a time, another once it is dead. */
const shared = testDialect() === 'postgres';
const sharedOnly = shared ? test : test.skip;

let bed: Testbed;
let shop: any;
let config: Config;
const others: RunningStatusApi[] = [];
beforeAll(async () => {
  bed = await Testbed.start({ CHECK_RUN_LEASE_S: String(LEASE_MS / 1000), CHECK_CONCURRENCY: '4' }, { runPageSize: PAGE_SIZE });
  config = bed.config;
  shop = await bed.createShop();
  for (let i = 0; i < 40; i++) await bed.createSim({ shop_id: shop.id });
});
afterEach(async () => {
  await bed.setProvider({});
  while (others.length > 0) await others.pop()!.close();
});
afterAll(() => bed.close());

/** Another worker on the same database, named apart from the first. */
async function anotherWorker(overrides: Partial<Config['checks']> = {}): Promise<RunningStatusApi> {
  const worker = await startStatusApi({ ...config, checks: { ...config.checks, ...overrides } }, silentLogger, { runPageSize: PAGE_SIZE });
  others.push(worker);
  return worker;
}

async function runOf(id: number): Promise<any> {
  return bed.db('check_runs').where({ id }).first();
}

async function pagesOf(id: number): Promise<runLeasesRepository.CheckRunPageRow[]> {
  return runLeasesRepository.pagesOf(bed.db, id);
}

/** Every SIM a run would check answers `active` now: each check sells it, so each is logged. */
async function everyCheckChangesSomething(): Promise<number> {
  const sims = await bed.db('simcards').whereIn('status', ['assigned', 'in_stock']);
  for (const sim of sims) await bed.setSim(sim.iccid, { status: 'active' });
  return sims.length;
}

/** The run's log rows: none twice, and the run's counters (overall and per operator) are them. */
async function expectLoggedOnce(run: any): Promise<any[]> {
  const logs = await bed.db('status_check_logs').where({ run_id: run.id });
  expect(new Set(logs.map((l: any) => l.simcard_id)).size).toBe(logs.length);
  expect(run.changed).toBe(logs.filter((l: any) => l.changed && !l.error_message).length);
  expect(run.errors).toBe(logs.filter((l: any) => l.error_message).length);
  const byOperator = run.by_operator.reduce((a: any, o: any) => ({ done: a.done + o.done, changed: a.changed + o.changed }), {
    done: 0,
    changed: 0,
  });
  expect(byOperator).toEqual({ done: run.done, changed: run.changed });
  return logs;
}

/** Which worker logged each SIM: the holder of the page its id is in. */
function loggedBy(pages: runLeasesRepository.CheckRunPageRow[], logs: any[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const log of logs) {
    const page = pages.find((p) => log.simcard_id > p.after_id && (p.up_to_id === null || log.simcard_id <= p.up_to_id))!;
    counts.set(page.worker!, (counts.get(page.worker!) ?? 0) + 1);
  }
  return counts;
}

test(`a worker that starts while another runs a run ${shared ? 'joins it' : 'leaves it to that one'}, and takes no page from the live worker`, async () => {
  // 40 SIMs, 4 at a time per worker, half a second each.
  await bed.setProvider({ latency_ms: 500 });
  const started = (await bed.call('POST', `${bed.statusUrl}/check-runs`, {})).body;
  const second = await anotherWorker();
  // Two and a half leases, the second worker looking for pages every quarter of one.
  await new Promise((r) => setTimeout(r, 2.5 * LEASE_MS));
  expect((await runOf(started.id)).status).toBe('running');

  const done = await bed.waitForRun(started.id);
  expect(done.status).toBe('completed');
  expect(done.done).toBe(done.total);
  const pages = await pagesOf(started.id);
  expect(pages.length).toBeGreaterThanOrEqual(40 / PAGE_SIZE);
  expect(pages.every((p) => p.status === 'done')).toBe(true);
  // Each page claimed once: nobody took a page from a worker that was alive.
  expect(pages.map((p) => p.claims)).toEqual(pages.map(() => 1));
  const workers = shared ? [bed.status!.runs.worker, second.runs.worker] : [bed.status!.runs.worker];
  expect(new Set(pages.map((p) => p.worker))).toEqual(new Set(workers));
  expect(pages.reduce((a, p) => a + p.done, 0)).toBe(done.done);
  expect((await bed.call('GET', `${second.url}/check-runs/${started.id}`)).body.status).toBe('completed');
}, 30_000);

test('a cancel sent to another worker stops the run where it runs', async () => {
  await bed.setProvider({ latency_ms: 300 });
  const started = (await bed.call('POST', `${bed.statusUrl}/check-runs`, {})).body;
  const second = await anotherWorker();
  const cancelled = await bed.call('POST', `${second.url}/check-runs/${started.id}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe('cancelled');
  expect((await runOf(started.id)).status).toBe('cancelled');
  expect((await runOf(started.id)).done).toBeLessThan(started.total);
}, 30_000);

test('a cancel of a run whose worker is dead ends it', async () => {
  // A run left `running` by a worker that died a while ago (nobody beats for it).
  const [dead] = await bed
    .db('check_runs')
    .insert({
      status: 'running',
      trigger: 'manual',
      total: 40,
      worker: 'dead-worker',
      heartbeat_at: new Date(Date.now() - 10 * LEASE_MS).toISOString(),
      started_at: new Date(Date.now() - 60_000).toISOString(),
      updated_at: new Date(Date.now() - 10 * LEASE_MS).toISOString(),
      cancel_requested: false,
    })
    .returning('id');
  const id = typeof dead === 'object' ? dead.id : dead;
  const cancelled = await bed.call('POST', `${bed.statusUrl}/check-runs/${id}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe('cancelled');
  expect((await runOf(id)).finished_at).not.toBeNull();
});

test('a due schedule is claimed by exactly one of many workers asking at once', async () => {
  const name = `test-${Date.now()}`;
  await runLeasesRepository.ensureSchedule(bed.db, name, new Date(Date.now() - 1000).toISOString());
  const next = new Date(Date.now() + 60_000).toISOString();
  const claims = await Promise.all(Array.from({ length: 8 }, () => runLeasesRepository.claimDue(bed.db, name, next)));
  expect(claims.filter(Boolean)).toHaveLength(1);
  // Not due again before its next time.
  expect(await runLeasesRepository.claimDue(bed.db, name, next)).toBe(false);
});

test('scheduled runs start once per interval with two workers, not once per worker', async () => {
  const intervalMin = 0.02; // 1.2 s
  const since = new Date().toISOString();
  const watchedMs = 6000;
  // Two workers with the schedule on (the first, bed.status, has it off).
  await anotherWorker({ autoCheckIntervalMin: intervalMin });
  await anotherWorker({ autoCheckIntervalMin: intervalMin });
  await new Promise((r) => setTimeout(r, watchedMs));
  const scheduled = await bed.db('check_runs').where({ trigger: 'scheduled' }).andWhere('started_at', '>=', since).orderBy('id');
  expect(scheduled.length).toBeGreaterThanOrEqual(2);
  // Each firing moves the next one a whole interval on: at most one run per interval watched.
  expect(scheduled.length).toBeLessThanOrEqual(Math.floor(watchedMs / (intervalMin * 60_000)) + 1);
}, 30_000);

sharedOnly(
  'three workers check one run together: each logs SIMs, none twice, its counters are its log rows, its progress the same from any instance',
  async () => {
    for (let i = 0; i < 20; i++) await bed.createSim({ shop_id: shop.id });
    const sims = await everyCheckChangesSomething();
    await bed.setProvider({ latency_ms: 300 });
    const second = await anotherWorker();
    const third = await anotherWorker();
    const started = (await bed.call('POST', `${bed.statusUrl}/check-runs`, {})).body;
    expect(started.total).toBe(sims);

    // Progress read from the workers that did not start it: never backwards.
    const seen: number[] = [];
    for (;;) {
      const [a, b] = await Promise.all([second, third].map(async (w) => (await bed.call('GET', `${w.url}/check-runs/${started.id}`)).body));
      seen.push(a.done, b.done);
      if (a.status !== 'running' && b.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.some((d) => d > 0 && d < sims)).toBe(true);
    const done = (await bed.call('GET', `${third.url}/check-runs/${started.id}`)).body;
    expect(done).toMatchObject({ status: 'completed', done: sims, total: sims, changed: sims, errors: 0 });

    const logs = await expectLoggedOnce(done);
    expect(logs).toHaveLength(sims);
    const pages = await pagesOf(started.id);
    expect(pages.every((p) => p.status === 'done' && p.claims === 1)).toBe(true);
    const byWorker = loggedBy(pages, logs);
    expect([...byWorker.keys()].sort()).toEqual([bed.status!.runs.worker, second.runs.worker, third.runs.worker].sort());
    expect([...byWorker.values()].every((n) => n > 0)).toBe(true);
  },
  60_000,
);

test('a killed worker’s pages are taken over by the others: the run completes, each SIM logged once, counters = log rows', async () => {
  for (let i = 0; i < 30; i++) await bed.createSim({ shop_id: shop.id });
  const sims = await everyCheckChangesSomething();
  await bed.setProvider({ latency_ms: 200 });

  // A worker in a process of its own starts the run; the in-process one joins it (on SQLite: once it is dead).
  const { url, child } = await bed.spawnWorker({
    CHECK_RUN_LEASE_S: String(LEASE_MS / 1000),
    TEST_RUN_PAGE_SIZE: String(PAGE_SIZE),
  });
  const run = (await bed.call('POST', `${url}/check-runs`, {})).body;
  // Killed once it holds pages and has logged some SIMs, with pages left for the others.
  for (;;) {
    const pages = await pagesOf(run.id);
    const held = pages.filter((p) => p.status === 'claimed' && p.worker !== bed.status!.runs.worker);
    const joined = !shared || pages.some((p) => p.worker === bed.status!.runs.worker);
    if (held.length > 0 && joined && (await runOf(run.id)).changed >= 5) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  const orphaned = (await pagesOf(run.id)).filter((p) => p.status === 'claimed' && p.worker !== bed.status!.runs.worker);
  expect(orphaned.length).toBeGreaterThan(0);

  const done = await bed.waitForRun(run.id, 30_000);
  expect(done).toMatchObject({ status: 'completed', done: sims, total: sims, changed: sims, errors: 0 });
  expect(await expectLoggedOnce(done)).toHaveLength(sims);
  const pages = await pagesOf(run.id);
  // The dead worker's pages were claimed again and finished by the live one.
  for (const page of orphaned) {
    const now = pages.find((p) => p.id === page.id)!;
    expect(now).toMatchObject({ status: 'done', worker: bed.status!.runs.worker });
    expect(now.claims).toBeGreaterThan(1);
  }
  expect(pages.reduce((a, p) => a + p.done, 0)).toBe(sims);
  if (bed.database.dialect === 'sqlite') {
    expect(await bed.db.raw('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  }
}, 60_000);

sharedOnly(
  'a worker that shuts down hands its pages back and the run goes on; a cancel sent to any instance ends it',
  async () => {
    for (let i = 0; i < 30; i++) await bed.createSim({ shop_id: shop.id });
    await bed.setProvider({ latency_ms: 300 });
    const second = await anotherWorker();
    const started = (await bed.call('POST', `${second.url}/check-runs`, {})).body;
    // Both at work, then the second one shuts down.
    for (;;) {
      const workers = new Set((await pagesOf(started.id)).filter((p) => p.status !== 'pending').map((p) => p.worker));
      if (workers.size === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    others.splice(others.indexOf(second), 1);
    await second.close();
    expect((await runOf(started.id)).status).toBe('running');
    expect((await pagesOf(started.id)).filter((p) => p.status === 'claimed' && p.worker === second.runs.worker)).toEqual([]);

    const third = await anotherWorker();
    const cancelled = await bed.call('POST', `${third.url}/check-runs/${started.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.done).toBeLessThan(cancelled.body.total);
    await expectLoggedOnce(cancelled.body);
  },
  30_000,
);
