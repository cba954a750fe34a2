/**
 * Runs that outlive a flaky operator (issue 12): started while the breaker is half-open, under
 * the faults a real operator shows every week (every call over the timeout, 30% HTTP 500, 5%
 * hanging bodies, 20% HTTP 429 with Retry-After, resets, refused connections), with counters
 * that equal the log rows live and at the end, and failed runs that can be resumed.
 */
import { startProviderSim } from '@simcard/provider-sim';
import { stablePort } from '../../../scripts/lib/ports.js';
import type { HttpProvider } from '../src/provider/http-provider.js';
import { makeIccid, PROVIDER_TOKEN, Testbed } from './support/testbed.js';

const BREAKER = { failureThreshold: 5, openMs: 300 };
let bed: Testbed;
let shop: any;
beforeAll(async () => {
  bed = await Testbed.start({ PROVIDER_TIMEOUT_MS: '300', CHECK_CONCURRENCY: '8', RUN_GIVE_UP_AFTER_MIN: '0.03' }, { breaker: BREAKER });
  shop = await bed.createShop();
});
afterAll(() => bed.close());
afterEach(async () => {
  await bed.setProvider({});
  breaker().reset();
});

const breaker = () => (bed.status!.provider as HttpProvider).breaker;
const runsUrl = () => `${bed.statusUrl}/check-runs`;

/** Fresh SIMs at the shop; every `activeEvery`-th one the operator reports active. */
async function simsAtShop(n: number, activeEvery = 4): Promise<any[]> {
  const sims = [];
  for (let i = 0; i < n; i++) {
    const sim = await bed.createSim({ shop_id: shop.id });
    if (i % activeEvery === 0) await bed.setSim(sim.iccid, { status: 'active' });
    sims.push(sim);
  }
  return sims;
}

/** Many SIMs at once, through the import; every `activeEvery`-th one active at the operator. */
async function importSims(n: number, activeEvery = 10): Promise<void> {
  const iccids = Array.from({ length: n }, () => makeIccid());
  const res = await bed.call('POST', `${bed.main.url}/simcards/bulk`, { rows: iccids.map((iccid) => ({ iccid })), shop_id: shop.id });
  expect(res.body.inserted).toBe(n);
  for (let i = 0; i < n; i += activeEvery) await bed.setSim(iccids[i]!, { status: 'active' });
}

async function logCounts(runId: number): Promise<{ changed: number; errors: number; circuitOpen: number; twice: number }> {
  const rows = await bed.db('status_check_logs').where({ run_id: runId });
  const perSim = new Map<number, number>();
  for (const r of rows) perSim.set(r.simcard_id, (perSim.get(r.simcard_id) ?? 0) + 1);
  return {
    changed: rows.filter((r: any) => !r.error_message && r.changed).length,
    errors: rows.filter((r: any) => r.error_message).length,
    circuitOpen: rows.filter((r: any) => /circuit_open/.test(r.error_message ?? '')).length,
    twice: [...perSim.values()].filter((n) => n > 1).length,
  };
}

/**
 * Polls the run until it ends, and at every sample checks its counters against the log rows
 * counted just before and just after: rows before ≤ counter ≤ rows after (they commit together).
 */
async function watchRun(id: number, timeoutMs = 40_000): Promise<{ run: any; samples: number }> {
  const deadline = Date.now() + timeoutMs;
  let samples = 0;
  for (;;) {
    const before = await logCounts(id);
    const run = (await bed.call('GET', `${runsUrl()}/${id}`)).body;
    const after = await logCounts(id);
    expect(run.changed).toBeGreaterThanOrEqual(before.changed);
    expect(run.changed).toBeLessThanOrEqual(after.changed);
    expect(run.errors).toBeGreaterThanOrEqual(before.errors);
    expect(run.errors).toBeLessThanOrEqual(after.errors);
    if (run.status !== 'running') return { run, samples };
    samples++;
    if (Date.now() > deadline) throw new Error(`run ${id} still running: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

async function expectFinalCountersEqualLogs(run: any): Promise<void> {
  const logs = await logCounts(run.id);
  expect({ changed: run.changed, errors: run.errors }).toEqual({ changed: logs.changed, errors: logs.errors });
  expect(logs.circuitOpen).toBe(0);
  expect(logs.twice).toBe(0);
}

/** Opens the breaker with failing live checks, then heals the operator and waits for half-open. */
async function breakerHalfOpen(): Promise<void> {
  await bed.setProvider({ error_rate: 1 });
  for (let i = 0; i < 5 && breaker().state !== 'open'; i++) {
    const sim = await bed.createSim();
    await bed.call('GET', `${bed.statusUrl}/simcards/${sim.iccid}/status`);
  }
  expect(breaker().state).toBe('open');
  await bed.setProvider({});
  while (breaker().state !== 'half_open') await new Promise((r) => setTimeout(r, 20));
}

describe('a run started while the breaker is half-open', () => {
  test('waits for the probe and completes: every SIM checked, no circuit_open rows, counters = rows', async () => {
    const sims = await simsAtShop(40);
    await breakerHalfOpen();
    // Through the main API, as the web app starts a run.
    const started = await bed.call('POST', `${bed.main.url}/simcards/auto-check`, {});
    expect(started.status).toBe(202);
    const { run } = await watchRun(started.body.id);
    expect(run).toMatchObject({ status: 'completed', errors: 0, error_message: null });
    expect(run.done).toBe(run.total);
    await expectFinalCountersEqualLogs(run);
    const sold = await bed.db('simcards').whereIn(
      'id',
      sims.filter((_, i) => i % 4 === 0).map((s) => s.id),
    );
    expect(sold.every((s: any) => s.status === 'sold')).toBe(true);
  });
});

describe('runs survive the faults a real operator shows every week', () => {
  test('20% HTTP 429 with Retry-After 1: slowed down, never a failure, completes with no errors', async () => {
    await simsAtShop(30);
    await bed.sim('POST', '/_sim/reset');
    await bed.setProvider({ rate_limit_rate: 0.2, retry_after_s: 1 });
    const id = (await bed.call('POST', runsUrl(), {})).body.id;
    const { run } = await watchRun(id, 50_000);
    expect(run).toMatchObject({ status: 'completed', errors: 0 });
    expect(run.done).toBe(run.total);
    await expectFinalCountersEqualLogs(run);
    expect((await bed.sim('GET', '/_sim/stats')).body.answered.rate_limited).toBeGreaterThan(0);
    // A 429 is the operator pacing us, not failing: the breaker never opened.
    expect(breaker().downSince).toBeNull();
  }, 60_000);

  test('connections reset mid-call: the run completes', async () => {
    await simsAtShop(30);
    await bed.setProvider({ reset_rate: 0.3 });
    const { run } = await watchRun((await bed.call('POST', runsUrl(), {})).body.id);
    expect(run.status).toBe('completed');
    expect(run.done).toBe(run.total);
    await expectFinalCountersEqualLogs(run);
  });

  test('every call above the timeout: the run waits RUN_GIVE_UP_AFTER_MIN, fails with counters = rows, and resumes to completion', async () => {
    const sims = await simsAtShop(30);
    await bed.setProvider({ latency_ms: 500 }); // the timeout is 300 ms
    const started = Date.now();
    const { run: failed } = await watchRun((await bed.call('POST', runsUrl(), {})).body.id);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toMatch(/operator has failed every call/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1700); // RUN_GIVE_UP_AFTER_MIN 0.03 = 1.8 s
    await expectFinalCountersEqualLogs(failed);
    // The operator gave no answer: no SIM changed.
    expect(
      await bed
        .db('simcards')
        .whereIn(
          'id',
          sims.map((s) => s.id),
        )
        .whereNot('status', 'assigned'),
    ).toEqual([]);

    await bed.setProvider({});
    const resumed = await bed.call('POST', `${runsUrl()}/${failed.id}/resume`);
    expect(resumed.status).toBe(202);
    const { run } = await watchRun(failed.id);
    expect(run.status).toBe('completed');
    expect(run.done).toBe(run.total);
    await expectFinalCountersEqualLogs(run);
    const sold = await bed.db('simcards').whereIn(
      'id',
      sims.filter((_, i) => i % 4 === 0).map((s) => s.id),
    );
    expect(sold.every((s: any) => s.status === 'sold')).toBe(true);
  });
});

test('connection refused: the run fails after RUN_GIVE_UP_AFTER_MIN, and resumes once the operator is back', async () => {
  // A port that refuses connections now and is the operator's later (one no other test's server is given meanwhile).
  const port = await stablePort();
  const refusedBed = await Testbed.start(
    { PROVIDER_URL: `http://127.0.0.1:${port}`, PROVIDER_TIMEOUT_MS: '300', RUN_GIVE_UP_AFTER_MIN: '0.02' },
    { breaker: BREAKER },
  );
  let operator: Awaited<ReturnType<typeof startProviderSim>> | null = null;
  try {
    const s = await refusedBed.createShop();
    for (let i = 0; i < 20; i++) await refusedBed.createSim({ shop_id: s.id });
    const failed = await refusedBed.waitForRun((await refusedBed.call('POST', `${refusedBed.statusUrl}/check-runs`, {})).body.id);
    expect(failed.status).toBe('failed');
    expect(failed.errors).toBe(0);

    operator = await startProviderSim({ port, token: PROVIDER_TOKEN });
    const resumed = await refusedBed.call('POST', `${refusedBed.statusUrl}/check-runs/${failed.id}/resume`);
    expect(resumed.status).toBe(202);
    const done = await refusedBed.waitForRun(failed.id);
    expect(done).toMatchObject({ status: 'completed', errors: 0 });
    expect(done.done).toBe(done.total);
  } finally {
    await refusedBed.close();
    await operator?.close();
  }
});

test('30% HTTP 500 and 5% hanging bodies over 1,000 SIMs: the run completes, counters = rows live and at the end', async () => {
  // Its own testbed: a patient give-up (the default is 10 min), and 1,000 SIMs no other test rechecks.
  const own = await Testbed.start(
    { PROVIDER_TIMEOUT_MS: '300', CHECK_CONCURRENCY: '16', RUN_GIVE_UP_AFTER_MIN: '1' },
    { breaker: BREAKER },
  );
  const outer = bed;
  bed = own;
  try {
    shop = await bed.createShop();
    await importSims(1000);
    await bed.setProvider({ latency_ms: 1, error_rate: 0.3, hang_body_rate: 0.05 });
    const id = (await bed.call('POST', runsUrl(), {})).body.id;
    const { run, samples } = await watchRun(id, 80_000);
    expect(samples).toBeGreaterThan(0);
    expect(run).toMatchObject({ status: 'completed', error_message: null, done: 1000, total: 1000 });
    await expectFinalCountersEqualLogs(run);
    const stats = (await bed.sim('GET', '/_sim/stats')).body;
    expect(stats.answered.error).toBeGreaterThan(100);
    expect(stats.answered.hung_body).toBeGreaterThan(0);
  } finally {
    bed = outer;
    await own.close();
  }
}, 90_000);
