/**
 * Several operators, each with its own provider (issue 15), all real: two simulators over HTTP
 * playing Beeline and Ucell, configured as PROVIDER_BEELINE_* and PROVIDER_UCELL_*, the status
 * API and the main API on one database (SQLite file or PostgreSQL schema, per project).
 */
import { silentLogger } from '@simcard/common';
import { DEFAULT_SIM_CONFIG, type SimConfig, startProviderSim } from '@simcard/provider-sim';
import { startStatusApi } from '../src/main.js';
import type { HttpProvider } from '../src/provider/http-provider.js';
import { PROVIDER_TOKEN, Testbed } from './support/testbed.js';

type Sim = Awaited<ReturnType<typeof startProviderSim>>;

/** The simulator's defaults: no latency, no failures. */
const CALM: SimConfig = DEFAULT_SIM_CONFIG;

let bed: Testbed;
// Small pages: with one queue for all operators, Ucell's hanging SIMs would hold up Beeline's pages.
const STATUS_OPTIONS = { breaker: { failureThreshold: 3, openMs: 300 }, runPageSize: 4, alerts: { intervalMs: 100 } };
let beeline: Sim;
let ucell: Sim;
let shop: any;

beforeAll(async () => {
  beeline = await startProviderSim({ port: 0, token: PROVIDER_TOKEN });
  ucell = await startProviderSim({ port: 0, token: PROVIDER_TOKEN });
  bed = await Testbed.start(
    {
      PROVIDER_BEELINE_URL: beeline.url,
      PROVIDER_BEELINE_TOKEN: PROVIDER_TOKEN,
      PROVIDER_BEELINE_CONCURRENCY: '4',
      PROVIDER_BEELINE_TIMEOUT_MS: '5000',
      PROVIDER_UCELL_URL: ucell.url,
      PROVIDER_UCELL_TOKEN: PROVIDER_TOKEN,
      PROVIDER_UCELL_CONCURRENCY: '4',
      PROVIDER_UCELL_TIMEOUT_MS: '300',
      PROVIDER_UCELL_RETRIES: '0',
      // Ucell's SIMs are given up on 6 s after its last answer.
      RUN_GIVE_UP_AFTER_MIN: '0.1',
      ALERT_PROVIDER_DOWN_MIN: '0',
    },
    STATUS_OPTIONS,
  );
  shop = await bed.createShop();
});
afterEach(() => {
  beeline.state.config = { ...CALM };
  ucell.state.config = { ...CALM };
});
afterAll(async () => {
  await bed.close();
  await beeline.close();
  await ucell.close();
});

const runs = () => `${bed.statusUrl}/check-runs`;
const byOperator = (run: any, operator: string | null) => run.by_operator.find((o: any) => o.operator === operator);

/** SIMs of the given operators, created in turn (interleaved ids), assigned to the shop. */
async function simsOf(operators: Array<string | null>, each: number): Promise<Record<string, any[]>> {
  const made: Record<string, any[]> = {};
  for (let i = 0; i < each; i++)
    for (const operator of operators) {
      const sim = await bed.createSim({ shop_id: shop.id, ...(operator ? { operator } : {}) });
      (made[operator ?? ''] ??= []).push(sim);
    }
  return made;
}

/** Earlier tests' SIMs leave the runs (blocked: not checked unless asked), so each test counts its own. */
async function settleEverything(): Promise<void> {
  await bed.db('simcards').whereIn('status', ['assigned', 'in_stock']).update({ status: 'blocked' });
}

describe('routing: each SIM is checked by its own operator’s provider', () => {
  test("a run sends each SIM to its operator's provider, and skips a SIM whose operator has none as no_provider, without logging it", async () => {
    const sims = await simsOf(['beeline', 'ucell', 'uzmobile', null], 3);
    // Each simulator knows its own SIMs: a SIM sent to the other operator would come back inactive.
    for (const sim of sims.beeline!) beeline.state.set(sim.iccid, { status: 'active', msisdn: null, activatedAt: null });
    for (const sim of sims.ucell!) ucell.state.set(sim.iccid, { status: 'blocked', msisdn: null, activatedAt: null });
    const asked = { beeline: beeline.state.stats.requests, ucell: ucell.state.stats.requests };

    const started = await bed.call('POST', runs(), {});
    expect(started.status).toBe(202);
    const run = await bed.waitForRun(started.body.id);

    expect(run).toMatchObject({ status: 'completed', errors: 0, skipped: 6, done: 6, total: 12, error_message: null });
    expect(byOperator(run, 'beeline')).toMatchObject({ total: 3, done: 3, changed: 3, errors: 0, skipped: 0, reason: null });
    expect(byOperator(run, 'ucell')).toMatchObject({ total: 3, done: 3, changed: 3, errors: 0, skipped: 0, reason: null });
    expect(byOperator(run, 'uzmobile')).toMatchObject({ total: 3, done: 0, skipped: 3, reason: 'no_provider' });
    expect(byOperator(run, null)).toMatchObject({ total: 3, done: 0, skipped: 3, reason: 'no_provider' });
    // Each provider was asked (a retry after a slow answer may ask twice).
    expect(beeline.state.stats.requests - asked.beeline).toBeGreaterThanOrEqual(3);
    expect(ucell.state.stats.requests - asked.ucell).toBeGreaterThanOrEqual(3);
    // The skipped SIMs have no log row and no error: not an error storm.
    const skippedIds = [...sims.uzmobile!, ...sims['']!].map((s) => s.id);
    expect(await bed.db('status_check_logs').where({ run_id: run.id }).whereIn('simcard_id', skippedIds)).toHaveLength(0);
    const skipped = await bed.db('simcards').whereIn('id', skippedIds);
    expect(skipped.every((s: any) => s.last_check_error === null && s.last_checked_at === null)).toBe(true);
    // Each SIM got its own operator's answer: Beeline's sold, Ucell's blocked.
    const sold = await bed.db('simcards').whereIn(
      'id',
      sims.beeline!.map((s) => s.id),
    );
    expect(sold.every((s: any) => s.status === 'sold')).toBe(true);
    const blocked = await bed.db('simcards').whereIn(
      'id',
      sims.ucell!.map((s) => s.id),
    );
    expect(blocked.every((s: any) => s.status === 'blocked' && s.provider_status === 'blocked')).toBe(true);
    // The run list shows the same figures.
    const listed = (await bed.call('GET', `${runs()}?limit=1`)).body.data[0];
    expect(listed.id).toBe(run.id);
    expect(byOperator(listed, 'uzmobile')).toMatchObject({ skipped: 3, reason: 'no_provider' });
  });

  test('a live check of a SIM whose operator has no provider answers 422 no_provider naming the operator, on both APIs', async () => {
    const { uzmobile } = await simsOf(['uzmobile'], 1);
    const sim = uzmobile![0];
    const direct = await bed.call('GET', `${bed.statusUrl}/simcards/${sim.iccid}/status`);
    expect(direct.status).toBe(422);
    expect(direct.body.error.code).toBe('no_provider');
    expect(direct.body.error.details[0].params).toEqual({ operator: 'uzmobile' });
    const viaMain = await bed.call('GET', `${bed.main.url}/simcards/${sim.id}/check-status`);
    expect(viaMain.status).toBe(422);
    expect(viaMain.body.error.code).toBe('no_provider');
    expect(viaMain.body.error.details[0].params).toEqual({ operator: 'uzmobile' });
    // Among others, in one bulk check: that SIM's result says no_provider, the others are checked.
    const { beeline: other } = await simsOf(['beeline'], 1);
    const bulk = await bed.call('POST', `${bed.statusUrl}/simcards/status`, { iccids: [sim.iccid, other![0].iccid] });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r: any) => r.check.error?.code ?? r.check.provider_status)).toEqual(['no_provider', 'inactive']);
    expect(await bed.db('status_check_logs').where({ simcard_id: sim.id })).toHaveLength(0);
  });

  test('a live check of a SIM with a provider goes to its operator', async () => {
    const { ucell: mine } = await simsOf(['ucell'], 1);
    ucell.state.set(mine![0].iccid, { status: 'active', msisdn: null, activatedAt: null });
    const res = await bed.call('GET', `${bed.statusUrl}/simcards/${mine![0].iccid}/status`);
    expect(res.status).toBe(200);
    expect(res.body.check).toMatchObject({ ok: true, provider_status: 'active', newly_sold: true });
  });
});

describe('runs limited to some operators', () => {
  test('operators: [beeline] checks only Beeline’s SIMs; an operator without a provider is refused with 400 unknown_operator', async () => {
    await settleEverything();
    await simsOf(['beeline', 'ucell', 'uzmobile'], 2);
    const asked = ucell.state.stats.requests;
    const started = await bed.call('POST', runs(), { operators: ['beeline'] });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ operators: ['beeline'], total: 2 });
    const run = await bed.waitForRun(started.body.id);
    expect(run).toMatchObject({ status: 'completed', done: 2, skipped: 0, operators: ['beeline'] });
    expect(run.by_operator.map((o: any) => o.operator)).toEqual(['beeline']);
    expect(ucell.state.stats.requests).toBe(asked);

    for (const body of [{ operators: ['mobiuz'] }, { operators: ['beeline', 'uzmobile'] }]) {
      const refused = await bed.call('POST', runs(), body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('unknown_operator');
      expect(refused.body.error.details[0].params.operator).toBe(body.operators.at(-1));
    }
    const viaMain = await bed.call('POST', `${bed.main.url}/simcards/auto-check`, { operators: ['mobiuz'] });
    expect(viaMain.status).toBe(400);
    expect(viaMain.body.error.code).toBe('unknown_operator');
    const viaMainOk = await bed.call('POST', `${bed.main.url}/simcards/auto-check`, { operators: ['ucell'] });
    expect(viaMainOk.status).toBe(202);
    expect((await bed.waitForRun(viaMainOk.body.id)).by_operator.map((o: any) => o.operator)).toEqual(['ucell']);
    // Empty = all.
    const all = await bed.call('POST', runs(), { operators: [] });
    expect(all.status).toBe(202);
    expect(all.body.operators).toBeNull();
    await bed.waitForRun(all.body.id);
  });
});

describe('one operator down does not hold up the others', () => {
  test("Ucell hanging while Beeline answers: Beeline's SIMs are all done before Ucell is given up on; Ucell's end skipped with the timeout reason, the run completes", async () => {
    await settleEverything();
    const sims = await simsOf(['beeline', 'ucell'], 24);
    for (const sim of sims.beeline!) beeline.state.set(sim.iccid, { status: 'active', msisdn: null, activatedAt: null });
    ucell.state.config = { ...CALM, timeout_rate: 1 };

    const started = (await bed.call('POST', runs(), {})).body;
    expect(started.total).toBe(48);
    // Watch the run: the first view where Beeline is done.
    let whenBeelineDone: any = null;
    let last: any;
    for (;;) {
      last = (await bed.call('GET', `${runs()}/${started.id}`)).body;
      const b = byOperator(last, 'beeline');
      if (!whenBeelineDone && b.done === b.total) whenBeelineDone = last;
      if (last.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(whenBeelineDone).not.toBeNull();
    // Beeline finished while Ucell's SIMs were still waiting for their operator.
    expect(whenBeelineDone.status).toBe('running');
    expect(byOperator(whenBeelineDone, 'ucell')).toMatchObject({ skipped: 0, reason: null });
    expect(byOperator(whenBeelineDone, 'ucell').done).toBeLessThan(24);

    const run = await bed.waitForRun(started.id);
    expect(run.status).toBe('completed');
    expect(byOperator(run, 'beeline')).toMatchObject({ total: 24, done: 24, changed: 24, errors: 0, skipped: 0, reason: null });
    const u = byOperator(run, 'ucell');
    expect(u.reason).toBe('provider_timeout');
    expect(u.message).toMatch(/failed every call/);
    expect(u.skipped).toBeGreaterThan(0);
    expect(u.done + u.skipped).toBe(24);
    expect(run.skipped).toBe(u.skipped);
    // Beeline's SIMs are sold; Ucell's are as they were, no false status change.
    const stored = await bed.db('simcards').whereIn(
      'id',
      [...sims.beeline!, ...sims.ucell!].map((s) => s.id),
    );
    const beelineIds = new Set(sims.beeline!.map((s) => s.id));
    expect(stored.filter((s: any) => beelineIds.has(s.id)).every((s: any) => s.status === 'sold')).toBe(true);
    expect(stored.filter((s: any) => !beelineIds.has(s.id)).every((s: any) => s.status === 'assigned' && s.provider_status === null)).toBe(
      true,
    );
    // /health names each operator: Ucell's breaker is not closed, Beeline's is.
    const health = (await bed.call('GET', `${bed.statusUrl}/health`, undefined, null)).body;
    expect(health.checks['provider:beeline']).toMatchObject({ status: 'ok', breaker: 'closed', operator: 'beeline' });
    expect(health.checks['provider:ucell']).toMatchObject({ status: 'failing', operator: 'ucell' });
    expect(health.failing).toContain('provider:ucell');
    expect(health.failing).not.toContain('provider:beeline');
    // Metrics by operator.
    const metrics = await fetch(`${bed.statusUrl}/metrics`, { headers: { authorization: `Bearer ${bed.adminToken}` } }).then((r) =>
      r.text(),
    );
    expect(metrics).toMatch(/provider_check_failures_total\{[^}]*operator="ucell"[^}]*failure="provider_timeout"[^}]*\} [1-9]/);
    expect(metrics).not.toMatch(/provider_check_failures_total\{[^}]*operator="beeline"/);
    expect(metrics).toMatch(/provider_breaker_state\{[^}]*operator="beeline"[^}]*state="closed"[^}]*\} 1/);
    // provider.down is Ucell's alone.
    let states: any[] = [];
    for (let i = 0; i < 100 && !states.some((a) => a.name === 'provider:ucell'); i++) {
      states = await bed.db('alert_states').where('name', 'like', 'provider%');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(states.find((a) => a.name === 'provider:ucell')?.state).toBe('down');
    expect(states.filter((a) => a.state === 'down').map((a) => a.name)).toEqual(['provider:ucell']);
  }, 60_000);
});

describe('a run whose every operator was given up on', () => {
  test('ends failed naming the operator, and a resume checks that operator’s SIMs again from where it stopped', async () => {
    await settleEverything();
    const sims = await simsOf(['ucell', 'uzmobile'], 6);
    for (const sim of sims.ucell!) ucell.state.set(sim.iccid, { status: 'active', msisdn: null, activatedAt: null });
    ucell.state.config = { ...CALM, timeout_rate: 1 };
    const failed = await bed.waitForRun((await bed.call('POST', runs(), {})).body.id, 30_000);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toMatch(/^Stopped: ucell: the operator has failed every call/);
    expect(byOperator(failed, 'ucell')).toMatchObject({ reason: 'provider_timeout' });
    expect(byOperator(failed, 'ucell').done + byOperator(failed, 'ucell').skipped).toBe(6);
    expect(byOperator(failed, 'uzmobile')).toMatchObject({ skipped: 6, reason: 'no_provider' });

    ucell.state.config = { ...CALM };
    (bed.status!.routing.forOperator('ucell')!.adapter as HttpProvider).breaker.reset();
    const resumed = await bed.call('POST', `${runs()}/${failed.id}/resume`);
    expect(resumed.status).toBe(202);
    const run = await bed.waitForRun(failed.id, 30_000);
    expect(run).toMatchObject({ status: 'completed', skipped: 6, error_message: null });
    expect(byOperator(run, 'ucell')).toMatchObject({ total: 6, done: 6, skipped: 0, reason: null, message: null });
    expect(byOperator(run, 'uzmobile')).toMatchObject({ skipped: 6, reason: 'no_provider' });
    const stored = await bed.db('simcards').whereIn(
      'id',
      sims.ucell!.map((s) => s.id),
    );
    expect(stored.every((s: any) => s.status === 'sold')).toBe(true);
    // Each Ucell SIM logged once in the run, however many times it was tried.
    const logs = await bed.db('status_check_logs').where({ run_id: run.id }).whereNull('error_message');
    expect(new Set(logs.map((l: any) => l.simcard_id)).size).toBe(logs.length);
  }, 60_000);
});

describe('a run with a lane per operator, stopped and resumed', () => {
  test('continues each operator from its own cursor: every SIM done once, each logged once, the figures equal to the SIMs', async () => {
    await settleEverything();
    const sims = await simsOf(['beeline', 'ucell'], 12);
    for (const sim of sims.beeline!) beeline.state.set(sim.iccid, { status: 'active', msisdn: null, activatedAt: null });
    for (const sim of sims.ucell!) ucell.state.set(sim.iccid, { status: 'active', msisdn: null, activatedAt: null });
    // Beeline slow enough that the stop comes mid-run (3 rounds of 4 calls: 1.2 s); Ucell inside its 300 ms timeout.
    beeline.state.config = { ...CALM, latency_ms: 400 };
    ucell.state.config = { ...CALM, latency_ms: 90 };
    const started = (await bed.call('POST', runs(), {})).body;
    let seen: any;
    do {
      await new Promise((r) => setTimeout(r, 20));
      seen = (await bed.call('GET', `${runs()}/${started.id}`)).body;
    } while (seen.status === 'running' && seen.done < 4);
    // A shutdown (the only worker stops): the run is left interrupted; a new status API resumes it.
    await bed.status!.close();
    bed.status = await startStatusApi(bed.config, silentLogger, STATUS_OPTIONS);
    const interrupted = (await bed.call('GET', `${runs()}/${started.id}`)).body;
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.done).toBeLessThan(24);

    expect((await bed.call('POST', `${runs()}/${started.id}/resume`)).status).toBe(202);
    const run = await bed.waitForRun(started.id, 30_000);
    expect(run).toMatchObject({ status: 'completed', total: 24, done: 24, changed: 24, errors: 0, skipped: 0 });
    expect(byOperator(run, 'beeline')).toMatchObject({ total: 12, done: 12, changed: 12, skipped: 0 });
    expect(byOperator(run, 'ucell')).toMatchObject({ total: 12, done: 12, changed: 12, skipped: 0 });
    const logs = await bed.db('status_check_logs').where({ run_id: run.id });
    expect(logs).toHaveLength(24);
    expect(new Set(logs.map((l: any) => l.simcard_id)).size).toBe(24);
  }, 60_000);
});
