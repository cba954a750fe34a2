import { silentLogger } from '@simcard/common';
import { startStatusApi } from '../src/main.js';
import { Testbed } from './support/testbed.js';

let bed: Testbed;
let shop: any;
beforeAll(async () => {
  bed = await Testbed.start();
  shop = await bed.createShop();
});
afterAll(() => bed.close());
afterEach(() => bed.setProvider({}));

const runs = () => `${bed.statusUrl}/check-runs`;

/** Fresh SIMs for one test: the earlier tests' SIMs are sold or in other states by now. */
async function simsAtShop(n: number): Promise<any[]> {
  const sims = [];
  for (let i = 0; i < n; i++) sims.push(await bed.createSim({ shop_id: shop.id }));
  return sims;
}

describe('auto-check runs', () => {
  test('a run checks assigned and in-stock SIMs, sells the active ones, and completes with its counts', async () => {
    const sims = await simsAtShop(12);
    const inStock = await bed.createSim();
    for (const sim of sims.slice(0, 4)) await bed.setSim(sim.iccid, { status: 'active' });
    await bed.setSim(inStock.iccid, { status: 'active' });
    const started = await bed.call('POST', runs(), {});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', trigger: 'manual', include_sold: false, done: 0 });
    expect(started.body.total).toBeGreaterThanOrEqual(13);

    const run = await bed.waitForRun(started.body.id);
    expect(run).toMatchObject({ status: 'completed', done: run.total, errors: 0 });
    expect(run.changed).toBeGreaterThanOrEqual(5);
    expect(run.finished_at).not.toBeNull();
    const sold = await bed.db('simcards').whereIn(
      'iccid',
      [...sims.slice(0, 4), inStock].map((s) => s.iccid),
    );
    expect(sold.every((s: any) => s.status === 'sold')).toBe(true);
    const logs = await bed.db('status_check_logs').where({ run_id: run.id });
    expect(logs.every((l: any) => l.source === 'auto')).toBe(true);
  });

  test('sold SIMs are not checked again unless asked', async () => {
    const before = (await bed.call('POST', runs(), {})).body;
    const plain = await bed.waitForRun(before.id);
    const withSold = await bed.waitForRun((await bed.call('POST', runs(), { include_sold: true })).body.id);
    expect(withSold.total).toBeGreaterThan(plain.total);
  });

  test('a second run is refused with 409 while one runs, naming the running one', async () => {
    await simsAtShop(10);
    await bed.setProvider({ latency_ms: 100 });
    const first = await bed.call('POST', runs(), {});
    const second = await bed.call('POST', runs(), {});
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('run_in_progress');
    expect(second.body.error.details[0].run.id).toBe(first.body.id);
    await bed.call('POST', `${runs()}/${first.body.id}/cancel`);
  });

  test('a run can be cancelled; it stops, and shows how far it got', async () => {
    await simsAtShop(20);
    await bed.setProvider({ latency_ms: 150 });
    const run = (await bed.call('POST', runs(), {})).body;
    await new Promise((r) => setTimeout(r, 200));
    const cancelled = await bed.call('POST', `${runs()}/${run.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.done).toBeLessThan(cancelled.body.total);
    expect((await bed.call('POST', `${runs()}/${run.id}/cancel`)).status).toBe(409);
  });

  test('progress moves while a run runs, with an ETA', async () => {
    await simsAtShop(16);
    await bed.setProvider({ latency_ms: 60 });
    const run = (await bed.call('POST', runs(), {})).body;
    let seen: any;
    for (let i = 0; i < 100; i++) {
      seen = (await bed.call('GET', `${runs()}/${run.id}`)).body;
      if (seen.done > 0 && seen.status === 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.done).toBeGreaterThan(0);
    expect(seen.eta_seconds === null || seen.eta_seconds >= 0).toBe(true);
    await bed.waitForRun(run.id);
  });

  test('history lists runs newest first', async () => {
    const list = await bed.call('GET', `${runs()}?limit=2`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data[0].id).toBeGreaterThan(list.body.data[1].id);
    expect(list.body.total).toBeGreaterThanOrEqual(4);
  });

  test('an unreachable operator: the run waits RUN_GIVE_UP_AFTER_MIN, then fails with a clear error and its counters as logged', async () => {
    const deadBed = await Testbed.start(
      { PROVIDER_URL: 'http://127.0.0.1:1', PROVIDER_TIMEOUT_MS: '300', RUN_GIVE_UP_AFTER_MIN: '0.02' },
      { breaker: { failureThreshold: 5, openMs: 200 } },
    );
    try {
      const s = await deadBed.createShop();
      for (let i = 0; i < 30; i++) await deadBed.createSim({ shop_id: s.id });
      const started = Date.now();
      const run = await deadBed.waitForRun((await deadBed.call('POST', `${deadBed.statusUrl}/check-runs`, {})).body.id);
      expect(run.status).toBe('failed');
      expect(run.error_message).toMatch(/operator has failed every call for [\d.]+ min/);
      // It waited for the operator (1.2 s), then gave up in bounded time.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
      expect(Date.now() - started).toBeLessThan(10_000);
      const logs = await deadBed.db('status_check_logs').where({ run_id: run.id });
      expect(run.errors).toBe(logs.filter((l: any) => l.error_message).length);
      expect(run.changed).toBe(logs.filter((l: any) => l.changed && !l.error_message).length);
      expect(logs.some((l: any) => /circuit_open/.test(l.error_message ?? ''))).toBe(false);
      const stored = await deadBed.db('simcards').where({ shop_id: s.id });
      expect(stored.every((x: any) => x.status === 'assigned' && x.provider_status === null)).toBe(true);
    } finally {
      await deadBed.close();
    }
  });
});

describe('a run interrupted by a crash', () => {
  test('is taken over once its worker’s heartbeat stops, completes, and logs no SIM twice', async () => {
    const sims = await simsAtShop(60);
    for (const sim of sims.filter((_, i) => i % 3 === 0)) await bed.setSim(sim.iccid, { status: 'active' });
    // Slow enough (60 SIMs, 2 at a time, 100 ms each: 3 s) that the kill lands mid-run on a busy
    // machine too: at 40 ms and 4 at a time a loaded CI saw its first saved progress with the run done.
    await bed.setProvider({ latency_ms: 100, error_rate: 0.2 });

    // The in-process status API steps aside; a child process runs the job and is killed.
    await bed.status!.close();
    bed.status = null;
    const { url, child } = await bed.spawnWorker({ CHECK_RUN_LEASE_S: '1', TEST_RUN_PAGE_SIZE: '100', CHECK_CONCURRENCY: '2' });
    const run = (await bed.call('POST', `${url}/check-runs`, {})).body;
    for (;;) {
      const seen = (await bed.call('GET', `${url}/check-runs/${run.id}`)).body;
      if (seen.done >= 10) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect((await bed.db('check_runs').where({ id: run.id }).first()).status).toBe('running');

    // Another worker (with the same 1 s lease) sees the dead worker's run and goes on with it:
    // no resume by hand, no SIM before the saved cursor checked again.
    bed.status = await startStatusApi({ ...bed.config, checks: { ...bed.config.checks, runLeaseMs: 1000 } }, silentLogger);
    const done = await bed.waitForRun(run.id);
    expect(done.status).toBe('completed');
    expect(done.done).toBe(done.total);

    const twice = await bed
      .db('status_check_logs')
      .where({ run_id: run.id })
      .groupBy('simcard_id')
      .havingRaw('count(*) > 1')
      .select('simcard_id');
    expect(twice).toEqual([]);
    const logged = await bed.db('status_check_logs').where({ run_id: run.id });
    expect(done.changed + done.errors).toBe(logged.length);
    if (bed.database.dialect === 'sqlite') {
      expect(await bed.db.raw('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    }
  });
});

describe('with one provider for all (PROVIDER_URL alone)', () => {
  test("every SIM goes to it whatever its operator, none is skipped, and the run's figures are also given per SIM operator", async () => {
    await bed.db('simcards').whereIn('status', ['assigned', 'in_stock']).update({ status: 'blocked' });
    for (const operator of ['beeline', 'uzmobile', null, 'beeline'])
      await bed.createSim({ shop_id: shop.id, ...(operator ? { operator } : {}) });
    const run = await bed.waitForRun((await bed.call('POST', runs(), {})).body.id);
    expect(run).toMatchObject({ status: 'completed', total: 4, done: 4, skipped: 0, operators: null });
    expect(run.by_operator).toEqual([
      { operator: null, total: 1, done: 1, changed: 0, errors: 0, skipped: 0, reason: null, message: null },
      { operator: 'beeline', total: 2, done: 2, changed: 0, errors: 0, skipped: 0, reason: null, message: null },
      { operator: 'uzmobile', total: 1, done: 1, changed: 0, errors: 0, skipped: 0, reason: null, message: null },
    ]);

    const only = await bed.waitForRun((await bed.call('POST', runs(), { operators: ['uzmobile'] })).body.id);
    expect(only).toMatchObject({ status: 'completed', total: 1, done: 1, operators: ['uzmobile'] });
    expect(only.by_operator.map((o: any) => o.operator)).toEqual(['uzmobile']);
  });
});
