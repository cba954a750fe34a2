/**
 * Check runs shared by workers (issue 18): throughput of one auto-check run with 1, 2 and 3
 * status API workers on one PostgreSQL database, each its own process, when the operator is the
 * bottleneck: the simulator answers in 100 ms, CHECK_CONCURRENCY=10 per worker, no rate limit.
 * The ideal is N × 10 / 0.1 s = 100·N SIMs/s; goal ≥ 2.7× at 3 workers vs 1. Rounds are
 * interleaved (each round runs 1, 2, 3 workers in a rotated order); per-round ratios, medians
 * and spread; the load average is printed with every measurement. Updates bench/RESULTS.md.
 *
 *   npm run bench -- workers-throughput [--sims 5000] [--rounds 3] [--latency 100] [--concurrency 10]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { appendCheckDigit, parseDatabaseUrl } from '@simcard/common';
import { createDatabase, migrateToLatest } from '@simcard/db';
import { BENCH_ADMIN_PASSWORD, benchEnv, machine, median, type Server, signIn, startServer, writeSection } from './harness.js';

const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'bench_workers';
const PROVIDER_TOKEN = 'bench-provider-token';

interface Measure {
  workers: number;
  round: number;
  seconds: number;
  perSecond: number;
  done: number;
  load: number;
  /** How many SIMs each worker's pages held. */
  split: number[];
}

const load1 = () => loadavg()[0]!;

async function seed(url: string, sims: number): Promise<void> {
  const pg = createDatabase(parseDatabaseUrl(PG_BASE));
  await pg.raw(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await pg.destroy();
  const db = createDatabase(parseDatabaseUrl(url));
  try {
    await migrateToLatest(db);
    const at = new Date().toISOString();
    const rows = Array.from({ length: sims }, (_, i) => ({
      iccid: appendCheckDigit(`8999803${String(i + 1).padStart(11, '0')}`),
      operator: 'beeline',
      status: 'in_stock',
      created_at: at,
      updated_at: at,
    }));
    for (let i = 0; i < rows.length; i += 1000) await db('simcards').insert(rows.slice(i, i + 1000));
  } finally {
    await db.destroy();
  }
}

interface RunBody {
  id: number;
  status: string;
  done: number;
}

async function api(method: string, url: string, token: string): Promise<RunBody> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: method === 'POST' ? '{}' : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as RunBody;
}

export async function benchWorkersThroughput(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sims: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '3' },
      latency: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '10' },
    },
  });
  const sims = Number(values.sims);
  const rounds = Number(values.rounds);
  const latency = Number(values.latency);
  const concurrency = Number(values.concurrency);
  const url = `${PG_BASE}?schema=${SCHEMA}`;
  console.log(`seeding ${sims} in-stock SIMs (PostgreSQL, schema ${SCHEMA})…`);
  await seed(url, sims);

  const servers: Server[] = [];
  const measures: Measure[] = [];
  try {
    const provider = await startServer('provider-sim', { PROVIDER_TOKEN });
    servers.push(provider);
    const res = await fetch(`${provider.url}/_sim/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${PROVIDER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ latency_ms: latency, error_rate: 0, timeout_rate: 0, garbage_rate: 0, sales_per_minute: 0 }),
    });
    if (!res.ok) throw new Error(`simulator config: ${res.status}`);
    const env = benchEnv(url, { PROVIDER_TOKEN, RATE_LIMIT_USER: '0' });
    // The operator's concurrency is the cluster's (operator-budget.ts): 10 per worker is 10 × N for N workers.
    const workerEnv = (n: number) => ({
      ...env,
      STATUS_API_PORT: '0',
      PROVIDER_URL: provider.url,
      CHECK_CONCURRENCY: String(concurrency * n),
    });
    const main = await startServer('main-api', { ...env, MAIN_API_PORT: '0' });
    servers.push(main);
    const token = await signIn(main.url, BENCH_ADMIN_PASSWORD);
    const db = createDatabase(parseDatabaseUrl(url));
    try {
      for (let round = 1; round <= rounds; round++) {
        const order = [1, 2, 3].map((_, i) => [1, 2, 3][(i + round - 1) % 3]!);
        for (const n of order) {
          // n workers, up and idle, then one run started on the first; the others join it.
          const workers = await Promise.all(Array.from({ length: n }, () => startServer('status-api', workerEnv(n))));
          try {
            const load = load1();
            const started = performance.now();
            const run = await api('POST', `${workers[0]!.url}/check-runs`, token);
            let seen = run;
            while (seen.status === 'running') {
              await new Promise((r) => setTimeout(r, 100));
              seen = await api('GET', `${workers[0]!.url}/check-runs/${run.id}`, token);
            }
            const seconds = (performance.now() - started) / 1000;
            if (seen.status !== 'completed' || seen.done !== sims) throw new Error(`run ${run.id}: ${JSON.stringify(seen)}`);
            const split = (await db('check_run_pages')
              .where({ run_id: run.id })
              .select('worker')
              .sum({ n: 'done' })
              .groupBy('worker')
              .orderBy('worker')) as { n: string }[];
            const m = {
              workers: n,
              round,
              seconds,
              perSecond: sims / seconds,
              done: seen.done,
              load,
              split: split.map((s) => Number(s.n)),
            };
            measures.push(m);
            console.log(
              `round ${round}, ${n} worker(s): ${seconds.toFixed(2)} s, ${m.perSecond.toFixed(0)} SIMs/s, split ${m.split.join('/')}, load ${load.toFixed(2)}`,
            );
          } finally {
            await Promise.all(workers.map((w) => w.stop()));
          }
        }
      }
    } finally {
      await db.destroy();
    }
  } finally {
    for (const s of servers.reverse()) await s.stop();
  }

  const of = (n: number, round: number) => measures.find((m) => m.workers === n && m.round === round)!;
  const roundsList = Array.from({ length: rounds }, (_, i) => i + 1);
  const ratio = (n: number) => roundsList.map((r) => of(n, r).perSecond / of(1, r).perSecond);
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  const r3 = median(ratio(3));
  const lines = [
    `## Check runs shared by workers: 1, 2, 3 status API workers on one PostgreSQL (issue 18)`,
    '',
    `Run: ${new Date().toISOString()}, ${machine()}; the simulator, the main API and each worker its own process;`,
    `${sims.toLocaleString('en')} in-stock SIMs, simulator latency ${latency} ms, ${concurrency} calls in flight per worker (CHECK_CONCURRENCY=${concurrency}×N: the operator's concurrency is the cluster's since operator-budget.ts), no rate limit,`,
    `pages of 100 SIMs; ${rounds} interleaved rounds (order rotated each round). Time from \`POST /check-runs\` on the first worker to`,
    `the run read back \`completed\` (the others join within 1 s). Reference: 1 worker in the same round; ideal ${(concurrency / latency) * 1000} SIMs/s per worker.`,
    `Load average (1 min) at each start: ${measures.map((m) => m.load.toFixed(2)).join(', ')} (2 cores, shared with other sessions).`,
    '',
    '| workers | median SIMs/s | rounds (SIMs/s) | median × 1 worker | per-round ratios | SIMs per worker (last round) |',
    '| ---: | ---: | --- | ---: | --- | --- |',
    ...[1, 2, 3].map((n) => {
      const ps = roundsList.map((r) => of(n, r).perSecond);
      return `| ${n} | ${median(ps).toFixed(0)} | ${ps.map((p) => p.toFixed(0)).join(', ')} | ${median(ratio(n)).toFixed(2)}× | ${ratio(n)
        .map((x) => x.toFixed(2))
        .join(', ')} (spread ${spread(ratio(n))}) | ${of(n, rounds).split.join(' / ')} |`;
    }),
    '',
    `**3 workers: ${r3.toFixed(2)}×** one worker (goal ≥ 2.7×): ${r3 >= 2.7 ? 'met' : 'NOT met'}.`,
  ];
  console.log(lines.join('\n'));
  writeSection('workers-throughput', lines.join('\n'));
}
