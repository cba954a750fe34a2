/**
 * Check runs on the cluster under failure (issue 18, "Chaos and figures"): `npm run cluster`'s
 * nginx → 2 compiled main API instances → 3 status API workers sharing one run, on one PostgreSQL
 * schema. A run of 20,000 SIMs is started through the proxy; while it runs one worker is killed
 * with SIGKILL, a while later a second one, then both are started again (same port, same name, as
 * systemd would). The run completes, every SIM is checked and logged once (every check sells its
 * SIM, so log rows = SIMs), and every counter of the run — its own, per operator, per page, the
 * operator-call counts — and the SIM and sale counters the database keeps equal the rows they count.
 *
 * The operator is a simulator in this process (every SIM active, a few ms per call), so that
 * 20,000 SIMs are told about in memory; the lease is short (CHECK_RUN_LEASE_S=5) so that the
 * dead workers' pages are taken over within seconds. Needs `npm run build`, nginx and PostgreSQL;
 * prints its figures (time, SIMs taken over, deadlocks, load average). CHAOS_DEBUG=1 shows the
 * services' logs.
 */
process.env['TEST_DB'] = 'postgres';
import { loadavg } from 'node:os';
import { luhnCheckDigit } from '@simcard/common';
import { createDatabase, type Db } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { type RunningProviderSim, startProviderSim } from '@simcard/provider-sim';
import { buildIsMissing, type Cluster, startCluster } from '../../scripts/src/cluster.js';

const ADMIN_PASSWORD = 'cluster-admin-password';
const PROVIDER_TOKEN = 'cluster-chaos-provider-token';
const SIMS = 20_000;
const SHOPS = 4;
const WORKERS = 3;
const LEASE_S = 5;
/** Operator calls at once per worker, and how long each takes. */
const CONCURRENCY = 16;
const LATENCY_MS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface PageRow {
  id: number;
  after_id: number;
  up_to_id: number | null;
  status: string;
  worker: string | null;
  claims: number;
  done: number;
}

const describeIf = buildIsMissing().length === 0 ? describe : describe.skip;

describeIf('a check run on the cluster (3 status API workers) through kill -9 of two workers and their restart', () => {
  let database: TestDatabase;
  let db: Db;
  let operator: RunningProviderSim;
  let cluster: Cluster;
  let headers: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    operator = await startProviderSim({ port: 0, token: PROVIDER_TOKEN });
    operator.state.config = { ...operator.state.config, latency_ms: LATENCY_MS };
    cluster = await startCluster({
      databaseUrl: database.url,
      workers: WORKERS,
      quiet: !process.env['CHAOS_DEBUG'],
      env: {
        ADMIN_PASSWORD,
        JWT_SECRET: 'cluster-test-secret-cluster-test-secret-0123',
        RATE_LIMIT_USER: '0',
        RATE_LIMIT_ANON: '0',
        PROVIDER_URL: operator.url,
        PROVIDER_TOKEN,
        CHECK_CONCURRENCY: String(CONCURRENCY),
        CHECK_RUN_LEASE_S: String(LEASE_S),
      },
    });
    db = createDatabase(database.config);
    const login = await fetch(`${cluster.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    headers = { authorization: `Bearer ${((await login.json()) as { token: string }).token}`, 'content-type': 'application/json' };

    // The SIMs: handed out to shops, in bulk through the database; the operator says each is active.
    const shops: number[] = [];
    for (let s = 0; s < SHOPS; s++) {
      const res = await fetch(`${cluster.url}/api/shops`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `Chaos shop ${s + 1}`, code: `CHAOS${s + 1}` }),
      });
      expect(res.status).toBe(201);
      shops.push(((await res.json()) as { id: number }).id);
    }
    const at = new Date().toISOString();
    const iccid = (i: number) => {
      const body = `89701990${String(i).padStart(10, '0')}`;
      return `${body}${luhnCheckDigit(body)}`;
    };
    const rows = Array.from({ length: SIMS }, (_, i) => ({
      iccid: iccid(i),
      operator: 'Beeline',
      status: 'assigned',
      shop_id: shops[i % SHOPS],
      assigned_at: at,
      created_at: at,
      updated_at: at,
    }));
    for (let i = 0; i < rows.length; i += 2000) await db('simcards').insert(rows.slice(i, i + 2000));
    for (const row of rows) operator.state.simcards.set(row.iccid, { status: 'active', msisdn: null, activatedAt: null });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await db?.destroy();
    await operator?.close();
    await database?.drop();
  }, 60_000);

  const runRow = async (id: number) => (await db('check_runs').where({ id }).first()) as { status: string; done: number };
  const pagesOf = async (id: number) => (await db('check_run_pages').where({ run_id: id }).orderBy('after_id')) as PageRow[];
  const workerName = (n: number) => `status-api-${n + 1}`;

  /** Waits until the run has done `share` of its SIMs and `worker` holds a page. */
  async function whenHolding(id: number, share: number, worker: string): Promise<void> {
    for (;;) {
      const run = await runRow(id);
      if (run.status !== 'running') throw new Error(`the run ended (${run.status}, ${run.done} done) before ${worker} was killed`);
      const held = (await pagesOf(id)).filter((p) => p.status === 'claimed' && p.worker === worker);
      if (run.done >= share * SIMS && held.length > 0) return;
      await sleep(50);
    }
  }

  /** kill -9 of worker `n`; answers the pages it held when it died (read before any other worker may take them). */
  async function killNine(id: number, n: number): Promise<PageRow[]> {
    const worker = cluster.workers[n]!;
    const exited = new Promise((r) => worker.process.once('exit', r));
    worker.kill();
    await exited;
    const orphaned = (await pagesOf(id)).filter((p) => p.status === 'claimed' && p.worker === workerName(n));
    expect(orphaned.length).toBeGreaterThan(0);
    return orphaned;
  }

  /** PostgreSQL's count of deadlocks in the database (every schema: other tests' too). */
  const deadlocks = async () =>
    Number(((await db.raw('select deadlocks from pg_stat_database where datname = current_database()')) as any).rows[0].deadlocks);

  test('the run completes: every SIM checked and logged once, every counter equal to the rows it counts', async () => {
    const deadlocksBefore = await deadlocks();
    const startedAt = performance.now();
    const started = await fetch(`${cluster.url}/api/simcards/auto-check`, { method: 'POST', headers, body: '{}' });
    expect(started.status).toBe(202);
    const { id, total } = (await started.json()) as { id: number; total: number };
    expect(total).toBe(SIMS);

    // Well under way, with every worker at it: kill -9 the first worker, a while later the second.
    const [first, second] = [cluster.workers[0]!, cluster.workers[1]!];
    await whenHolding(id, 0.15, workerName(0));
    const killed1 = (await runRow(id)).done;
    const orphaned1 = await killNine(id, 0);
    await whenHolding(id, 0.35, workerName(1));
    const killed2 = (await runRow(id)).done;
    const orphaned2 = await killNine(id, 1);
    // Past a lease: the survivor takes both dead workers' pages over; then both come back.
    await sleep((LEASE_S + 1) * 1000);
    await Promise.all([first.start(), second.start()]);
    const restarted = (await runRow(id)).done;

    // Followed through the proxy (the main API asks any live worker).
    let run: Record<string, any>;
    for (;;) {
      const res = await fetch(`${cluster.url}/api/check-runs/${id}`, { headers });
      expect(res.status).toBe(200);
      run = (await res.json()) as Record<string, any>;
      if (run['status'] !== 'running') break;
      await sleep(500);
    }
    const seconds = (performance.now() - startedAt) / 1000;

    // The run, as every instance tells it and as stored (a failed run says why).
    expect({ status: run['status'], error_message: run['error_message'] ?? null }).toEqual({ status: 'completed', error_message: null });
    expect(run).toMatchObject({ status: 'completed', total: SIMS, done: SIMS, changed: SIMS, errors: 0, skipped: 0 });
    expect(await db('check_runs').where({ id }).first()).toMatchObject({ status: 'completed', done: SIMS, changed: SIMS, errors: 0 });
    const byOperator = (run['by_operator'] as Array<{ done: number; changed: number; errors: number }>).reduce(
      (a, o) => ({ done: a.done + o.done, changed: a.changed + o.changed, errors: a.errors + o.errors }),
      { done: 0, changed: 0, errors: 0 },
    );
    expect(byOperator).toEqual({ done: SIMS, changed: SIMS, errors: 0 });

    // Every SIM checked and sold; logged once for the run (each check changed it: rows = SIMs).
    const [sims] = await db('simcards').select(
      db.raw('count(*)::int as n'),
      db.raw(`count(*) filter (where status = 'sold')::int as sold`),
      db.raw('count(*) filter (where last_checked_at is null)::int as unchecked'),
    );
    expect(sims).toEqual({ n: SIMS, sold: SIMS, unchecked: 0 });
    const [logs] = await db('status_check_logs')
      .where({ run_id: id })
      .select(
        db.raw('count(*)::int as rows'),
        db.raw('count(distinct simcard_id)::int as sims'),
        db.raw('count(*) filter (where changed and error_message is null)::int as changed'),
        db.raw('count(*) filter (where error_message is not null)::int as errors'),
      );
    expect(logs).toEqual({ rows: SIMS, sims: SIMS, changed: run['changed'], errors: run['errors'] });

    // Pages: all done, their `done` the run's; the dead workers' pages claimed again and finished.
    const pages = await pagesOf(id);
    expect(pages.filter((p) => p.status !== 'done')).toEqual([]);
    expect(pages.reduce((a, p) => a + p.done, 0)).toBe(SIMS);
    for (const page of [...orphaned1, ...orphaned2]) {
      const now = pages.find((p) => p.id === page.id)!;
      expect(now.claims).toBeGreaterThan(page.claims);
    }

    // The operator-call counts of the run (migration 1202): every call answered or failed; the
    // changes and failures are the log rows. (A call may be made twice for one SIM only by a worker
    // that lost its page while alive — then the second answer changes nothing and is not logged.)
    const [calls] = await db('check_counts')
      .where({ run_key: id })
      .select(
        db.raw('coalesce(sum(made), 0)::int as made'),
        db.raw('coalesce(sum(answered), 0)::int as answered'),
        db.raw('coalesce(sum(changed), 0)::int as changed'),
        db.raw('coalesce(sum(failed), 0)::int as failed'),
      );
    expect(calls.made).toBe(calls.answered + calls.failed);
    expect(calls.answered).toBeGreaterThanOrEqual(SIMS);
    expect({ changed: calls.changed, failed: calls.failed }).toEqual({ changed: logs.changed, failed: logs.errors });

    // The counters the database keeps by trigger: SIMs per status, log rows, sales per shop.
    const tallies = await db('simcard_tallies').select('status').sum({ n: 'n' }).groupBy('status').havingRaw('sum(n) <> 0');
    expect(Object.fromEntries(tallies.map((t: any) => [t.status, Number(t.n)]))).toEqual({ sold: SIMS });
    const [counted] = await db('row_counts').where({ table_name: 'status_check_logs' }).sum({ n: 'n' });
    const [logRows] = await db('status_check_logs').count({ n: '*' });
    expect(Number(counted!.n)).toBe(Number(logRows!.n));
    const credited = await db('simcards')
      .whereNotNull('sold_at')
      .whereNotNull('sold_shop_id')
      .select('sold_shop_id')
      .count({ n: '*' })
      .groupBy('sold_shop_id');
    const totals = await db('shop_sales_totals').where('sold', '<>', 0).select('shop_id', 'sold');
    expect(Object.fromEntries(totals.map((t: any) => [t.shop_id, Number(t.sold)]))).toEqual(
      Object.fromEntries(credited.map((c: any) => [c.sold_shop_id, Number(c.n)])),
    );
    expect(credited.reduce((a: number, c: any) => a + Number(c.n), 0)).toBe(SIMS);

    // Figures.
    const retaken = pages.filter((p) => p.claims > 1);
    const byWorker = new Map<string, number>();
    for (const p of pages) byWorker.set(p.worker ?? '?', (byWorker.get(p.worker ?? '?') ?? 0) + 1);
    console.log(
      `cluster chaos: ${SIMS} SIMs, ${WORKERS} workers (lease ${LEASE_S} s, concurrency ${CONCURRENCY}, operator ${LATENCY_MS} ms): ` +
        `completed in ${seconds.toFixed(1)} s; killed worker 1 at ${killed1} done (holding ${orphaned1.length} pages), ` +
        `worker 2 at ${killed2} (holding ${orphaned2.length}), both back at ${restarted}; ` +
        `${retaken.length} of ${pages.length} pages claimed again (${retaken.reduce((a, p) => a + p.done, 0)} SIMs in them); ` +
        `pages finished by ${[...byWorker].map(([w, n]) => `${w} ${n}`).join(', ')}; ` +
        `operator calls ${operator.state.stats.requests} (${calls.answered - SIMS} answers beyond one per SIM); ` +
        `deadlocks in the database meanwhile ${(await deadlocks()) - deadlocksBefore}; load average ${load()}`,
    );
  }, 300_000);
});
