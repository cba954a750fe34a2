/** GET /reports/checks?days=N: the auto-check runs of the last N calendar days, counted and averaged. */
import { addDays, dealerDay, dealerDayBounds, dealerToday } from '@simcard/common';
import { checkCountsRepository } from '@simcard/db';
import { TestApi } from './support/harness.js';
import { DAY, TEST_TIME_ZONE, windowStart } from './support/sales-data.js';

let api: TestApi;
let staff: string;

interface RunSpec {
  status: 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'running';
  daysAgo: number;
  seconds: number | null;
  done: number;
  changed: number;
  errors: number;
}
const runs: RunSpec[] = [
  { status: 'completed', daysAgo: 0.01, seconds: 30, done: 100, changed: 5, errors: 1 },
  { status: 'completed', daysAgo: 1.5, seconds: 90, done: 200, changed: 7, errors: 0 },
  { status: 'failed', daysAgo: 3, seconds: 12, done: 10, changed: 0, errors: 10 },
  { status: 'interrupted', daysAgo: 5.2, seconds: 40, done: 50, changed: 1, errors: 0 },
  { status: 'cancelled', daysAgo: 6.1, seconds: 8, done: 5, changed: 0, errors: 0 },
  { status: 'completed', daysAgo: 20, seconds: 600, done: 1000, changed: 30, errors: 4 },
  { status: 'completed', daysAgo: 89.5, seconds: 60, done: 1, changed: 1, errors: 0 },
  { status: 'completed', daysAgo: 120, seconds: 60, done: 1, changed: 1, errors: 0 },
];
const now = Date.now();

beforeAll(async () => {
  api = await TestApi.start();
  staff = (await api.createStaff((await api.createShop()).id)).token;
  for (const r of runs) {
    const started = now - r.daysAgo * DAY;
    await api.db('check_runs').insert({
      status: r.status,
      trigger: 'scheduled',
      total: r.done,
      done: r.done,
      changed: r.changed,
      errors: r.errors,
      started_at: new Date(started).toISOString(),
      finished_at: r.seconds === null ? null : new Date(started + r.seconds * 1000).toISOString(),
      updated_at: new Date(now).toISOString(),
    });
  }
});
afterAll(() => api.close());

function expected(days: number) {
  const since = windowStart(now, days);
  const inRange = runs.filter((r) => now - r.daysAgo * DAY >= since);
  const finished = inRange.filter((r) => r.seconds !== null);
  const sum = (f: (r: RunSpec) => number) => inRange.reduce((n, r) => n + f(r), 0);
  return {
    runs: inRange.length,
    successful: inRange.filter((r) => r.status === 'completed').length,
    failed: inRange.filter((r) => r.status === 'failed' || r.status === 'interrupted').length,
    cancelled: inRange.filter((r) => r.status === 'cancelled').length,
    mean_duration_seconds: finished.length === 0 ? null : finished.reduce((n, r) => n + r.seconds!, 0) / finished.length,
    sims_checked: sum((r) => r.done),
    changes_found: sum((r) => r.changed),
    errors: sum((r) => r.errors),
  };
}

describe('GET /reports/checks', () => {
  test.each([undefined, 1, 7, 30, 90])('days=%s: figures equal those computed from the runs inserted', async (days) => {
    const res = await api.get(`/reports/checks${days === undefined ? '' : `?days=${days}`}`);
    expect(res.status).toBe(200);
    const want = expected(days ?? 7);
    const { mean_duration_seconds, ...rest } = want;
    expect(res.body).toMatchObject({ days: days ?? 7, ...rest });
    if (mean_duration_seconds === null) expect(res.body.mean_duration_seconds).toBeNull();
    else expect(res.body.mean_duration_seconds).toBeCloseTo(mean_duration_seconds, 0);
  });

  test("per_day splits the runs by the dealer's day of their start, and adds up to the totals", async () => {
    const res = await api.get('/reports/checks?days=30');
    const perDay = res.body.per_day as { day: string; runs: number; changes_found: number }[];
    expect(perDay.map((d) => d.day)).toEqual([...perDay.map((d) => d.day)].sort());
    expect(perDay.reduce((n, d) => n + d.runs, 0)).toBe(res.body.runs);
    expect(perDay.reduce((n, d) => n + d.changes_found, 0)).toBe(res.body.changes_found);
    // The day of the runs' clock (`now`, taken when they were inserted), not the wall clock's: a
    // suite running across the dealer's midnight would look for a day that has no run yet.
    const today = dealerDay(new Date(now), TEST_TIME_ZONE);
    expect(perDay.find((d) => d.day === today)?.runs ?? 0).toBe(
      runs.filter((r) => dealerDay(new Date(now - r.daysAgo * DAY), TEST_TIME_ZONE) === today).length,
    );
  });

  test('checks: every operator call counted (the check counters) per dealer day, runs and single checks alike', async () => {
    const today = dealerToday(TEST_TIME_ZONE);
    const midnight = dealerDayBounds(today, TEST_TIME_ZONE).from;
    const justBefore = new Date(Date.parse(midnight) - 1).toISOString();
    const tally = new checkCountsRepository.CheckTally();
    const key = (source: 'auto' | 'manual') => ({ operator: 'beeline', shopId: null, source, runId: null });
    // Today from its first instant: 5 by a run (one failed, one changed), 2 by hand.
    for (let i = 0; i < 5; i++)
      tally.add(midnight, key('auto'), { made: 1, answered: i === 0 ? 0 : 1, failed: i === 0 ? 1 : 0, changed: i === 1 ? 1 : 0 });
    tally.add(new Date().toISOString(), key('manual'), { made: 2, answered: 2 });
    // Yesterday's last instant, and two days ago.
    tally.add(justBefore, key('auto'), { made: 3, answered: 3 });
    tally.add(dealerDayBounds(addDays(today, -2), TEST_TIME_ZONE).from, key('manual'), { made: 4, answered: 4 });
    await tally.write(api.db);

    const res = await api.get('/reports/checks?days=7');
    expect(res.body.checks).toMatchObject({ made: 14, answered: 13, changed: 1, failed: 1 });
    const perDay = res.body.checks.per_day as { day: string; made: number }[];
    expect(perDay.map((d) => d.day)).toEqual(Array.from({ length: 7 }, (_, i) => addDays(today, i - 6)));
    const made = Object.fromEntries(perDay.map((d) => [d.day, d.made]));
    expect([made[today], made[addDays(today, -1)], made[addDays(today, -2)]]).toEqual([7, 3, 4]);
    expect((await api.get('/reports/checks?days=1')).body.checks).toMatchObject({ made: 7, failed: 1, changed: 1 });
    expect(res.body.checks.by_operator).toEqual([{ operator: 'beeline', made: 14, answered: 13, changed: 1, failed: 1 }]);
    expect(res.body.checks.by_source).toMatchObject({ runs: { made: 8, failed: 1 }, manual: { made: 6, failed: 0 }, bulk: { made: 0 } });
  });

  test.each(['days=0', 'days=91', 'days=x', 'days=7&foo=1'])('bad query %s is a 400', async (q) => {
    const res = await api.get(`/reports/checks?${q}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  test('staff get 403', async () => {
    expect((await api.get('/reports/checks', { token: staff })).status).toBe(403);
  });
});
