/**
 * One budget per operator across all status API workers (issue 18): on one PostgreSQL, three
 * workers checking at once stay within the operator's calls per second and its concurrency as
 * the simulator counts them — per second of the clock, and calls in flight at once. On SQLite
 * (one process) the same limits hold through the in-process limiter.
 */
import { type Config, silentLogger } from '@simcard/common';
import { operatorBudgetRepository as budget } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { type RunningStatusApi, startStatusApi } from '../src/main.js';
import { Testbed } from './support/testbed.js';

const RATE = 20;
const CONCURRENCY = 6;
const onPostgres = testDialect() === 'postgres';

let bed: Testbed;
let config: Config;
const workers: RunningStatusApi[] = [];
const iccids: string[] = [];

beforeAll(async () => {
  bed = await Testbed.start({
    PROVIDER_RATE_LIMIT: String(RATE),
    CHECK_CONCURRENCY: String(CONCURRENCY),
    PROVIDER_TIMEOUT_MS: '5000',
  });
  config = bed.config;
  const shop = await bed.createShop();
  for (let i = 0; i < 150; i += 25) {
    const made = await Promise.all(Array.from({ length: 25 }, () => bed.createSim({ shop_id: shop.id })));
    iccids.push(...made.map((s) => s.iccid));
  }
  workers.push(bed.status!);
  // On PostgreSQL two more workers on the same schema; on SQLite the one process alone.
  if (onPostgres) for (let i = 0; i < 2; i++) workers.push(await startStatusApi(config, silentLogger));
}, 60_000);
afterAll(async () => {
  for (const w of workers.slice(1)) await w.close();
  await bed.close();
});

interface CheckResult {
  iccid: string;
  check: { ok: boolean } | null;
}

interface SimStats {
  requests: number;
  calls_per_second: { max: number; seconds: Array<{ at: string; calls: number }> };
  in_flight_max: number;
}

/** Each worker checks its own share of `iccids` at once; answers every result. */
async function checkOnAllWorkers(list: string[]): Promise<CheckResult[]> {
  const per = Math.ceil(list.length / workers.length);
  const replies = await Promise.all(
    workers.map((w, i) => bed.call('POST', `${w.url}/simcards/status`, { iccids: list.slice(i * per, (i + 1) * per) })),
  );
  for (const r of replies) expect(r.status).toBe(200);
  return replies.flatMap((r) => r.body.results as CheckResult[]);
}

async function simStats(): Promise<SimStats> {
  return (await bed.sim('GET', '/_sim/stats')).body as SimStats;
}

test(`${onPostgres ? 'three workers' : 'one worker'} at ${RATE} calls/s: the operator sees at most ${RATE} calls in every second`, async () => {
  await bed.sim('POST', '/_sim/reset');
  await bed.setProvider({ latency_ms: 20 });
  const results = await checkOnAllWorkers(iccids);
  expect(results).toHaveLength(iccids.length);
  for (const r of results) expect(r.check?.ok ?? r).toBe(true);
  const stats = await simStats();
  // Every check was one call (no faults, no retries), so the calls were all counted.
  expect(stats.requests).toBe(iccids.length);
  const seconds: Array<{ at: string; calls: number }> = stats.calls_per_second.seconds;
  console.log(
    `operator budget: ${stats.requests} calls over ${seconds.length} seconds, most in one second ${stats.calls_per_second.max} (limit ${RATE}); ` +
      `per second: ${seconds.map((s) => s.calls).join(' ')}`,
  );
  expect(stats.calls_per_second.max).toBeLessThanOrEqual(RATE);
}, 60_000);

test(`${onPostgres ? 'three workers' : 'one worker'} share a concurrency of ${CONCURRENCY}: never more calls in flight at the operator`, async () => {
  await bed.sim('POST', '/_sim/reset');
  // Slow answers: the concurrency binds before the rate does (20/s × 0.6 s = 12 would fit the rate).
  await bed.setProvider({ latency_ms: 600 });
  const results = await checkOnAllWorkers(iccids.slice(0, 36));
  for (const r of results) expect(r.check?.ok ?? r).toBe(true);
  const stats = await simStats();
  expect(stats.requests).toBe(36);
  console.log(`operator budget: at most ${stats.in_flight_max} calls in flight (limit ${CONCURRENCY})`);
  expect(stats.in_flight_max).toBeLessThanOrEqual(CONCURRENCY);
  expect(stats.calls_per_second.max).toBeLessThanOrEqual(RATE);
}, 60_000);

const postgresOnly = onPostgres ? describe : describe.skip;

postgresOnly('the budget tables under workers asking at once', () => {
  /** Each worker's allotment, workers by name. */
  const allotments = async (operator: string): Promise<number[]> =>
    (await bed.db('operator_concurrency').where({ operator }).orderBy('worker').select<Array<{ allotted: number }>>('allotted')).map(
      (r) => r.allotted,
    );

  test('slot reservations never grant more than a period holds, and never the same slot twice', async () => {
    const operator = `slots-${Date.now()}`;
    // A future period, so the whole capacity is there to be fought over.
    const minBucket = Math.floor(Date.now() / 1000) + 5;
    const grants = await Promise.all(
      Array.from({ length: 12 }, () =>
        budget.reserveSlots(bed.db, { operator, nowMs: Date.now(), periodMs: 1000, spanMs: 800, capacity: RATE, want: 3, minBucket }),
      ),
    );
    const slots = grants.flatMap((g) => Array.from({ length: g.granted }, (_, i) => `${g.bucket}:${g.first + i}`));
    expect(new Set(slots).size).toBe(slots.length);
    for (const g of grants) expect(g.bucket).toBe(minBucket);
    expect(slots).toHaveLength(RATE);
    for (const g of grants) expect(g.first + g.granted).toBeLessThanOrEqual(RATE);
  });

  test('a reservation in the current period never gets a slot whose time has passed', async () => {
    const operator = `now-${Date.now()}`;
    // A moment inside the period's span (its first 800 ms): the slots before it have passed.
    const nowMs = Math.floor(Date.now() / 1000) * 1000 + 437;
    const g = await budget.reserveSlots(bed.db, { operator, nowMs, periodMs: 1000, spanMs: 800, capacity: RATE, want: RATE, minBucket: 0 });
    expect(g.bucket).toBe(Math.floor(nowMs / 1000));
    expect(g.granted).toBeGreaterThan(0);
    expect(g.bucket * 1000 + (g.first * 800) / RATE).toBeGreaterThanOrEqual(nowMs);
    // Past the span, the period has no slot left to give.
    const late = await budget.reserveSlots(bed.db, {
      operator: `${operator}-late`,
      nowMs: nowMs + 1000 + 450,
      periodMs: 1000,
      spanMs: 800,
      capacity: RATE,
      want: RATE,
      minBucket: 0,
    });
    expect(late.granted).toBe(0);
  });

  test('concurrency allotments of many workers beating at once never add up to more than the limit', async () => {
    const operator = `conc-${Date.now()}`;
    const limit = 7;
    const names = Array.from({ length: 5 }, (_, i) => `w${i}`);
    for (let round = 0; round < 3; round++) {
      await Promise.all(names.map((worker) => budget.beatAllotment(bed.db, { operator, worker, limit, leaseMs: 60_000, inFlight: 0 })));
      const rows = await allotments(operator);
      expect(rows.reduce((sum, r) => sum + r, 0)).toBeLessThanOrEqual(limit);
    }
    // Settled: the shares of 7 among 5 (2, 2, 1, 1, 1), all handed out.
    expect(await allotments(operator)).toEqual([2, 2, 1, 1, 1]);
    // A worker leaving gives its share to the others at their next beat.
    await budget.releaseAllotment(bed.db, operator, 'w0');
    for (const worker of names.slice(1)) await budget.beatAllotment(bed.db, { operator, worker, limit, leaseMs: 60_000, inFlight: 0 });
    expect(await allotments(operator)).toEqual([2, 2, 2, 1]);
  });

  test("a worker's allotment never drops below its calls in flight", async () => {
    const operator = `inflight-${Date.now()}`;
    await budget.beatAllotment(bed.db, { operator, worker: 'solo', limit: 6, leaseMs: 60_000, inFlight: 0 });
    // A second worker arrives while the first has 5 calls in flight: the first keeps 5, the second gets what is free.
    const second = await budget.beatAllotment(bed.db, { operator, worker: 'zz-second', limit: 6, leaseMs: 60_000, inFlight: 0 });
    expect(second.allotted).toBe(0);
    const first = await budget.beatAllotment(bed.db, { operator, worker: 'solo', limit: 6, leaseMs: 60_000, inFlight: 5 });
    expect(first).toMatchObject({ allotted: 5, target: 3 });
    expect((await budget.beatAllotment(bed.db, { operator, worker: 'zz-second', limit: 6, leaseMs: 60_000, inFlight: 0 })).allotted).toBe(
      1,
    );
  });
});
