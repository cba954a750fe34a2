/**
 * PostgreSQL deep pages after a mass update, with the default autovacuum thresholds and with the
 * `simcards` table's own (reloptions): does autovacuum come in time to keep `offset=500000` fast?
 *
 * A deep offset is an index-only walk of 500,000 entries; the walk skips the heap only for pages
 * the visibility map marks all-visible, and every update clears that mark until a VACUUM sets it
 * again. With the default scale factor (0.2) a table of 1,000,000 rows is vacuumed only after
 * ~200,000 dead rows, so 100,000 sales leave every deep page reading the heap indefinitely.
 *
 * For each condition (`default`: the table's reloptions reset; `table`: the reloptions given by
 * --options): VACUUM ANALYZE by hand (the baseline), time the deep pages; sell 100,000 SIMs in one
 * statement (every 10th id: every heap page is touched); time them right away; wait for
 * autovacuum (until the table's autovacuum count moves, at most --wait seconds); time them again.
 * Timed: the real main API over HTTP (`GET /simcards?offset=500000` and `&sort=-sold_at`), and the
 * list's ids statement alone (the walk) with its Heap Fetches from EXPLAIN ANALYZE.
 *
 *   tsx bench/src/deep-pages-vacuum.ts [--schema bench_vacuum] [--conditions default,table]
 *        [--options "autovacuum_vacuum_scale_factor=0.01,…"] [--wait 300] [--wait-default 150] [--requests 15]
 *        [--sims 1000000] [--offset 500000] [--sold 100000]
 *
 * The data set is the search bench's (statistics-data.ts, 1,000,000 SIMs), generated once into
 * its own schema (not bench_search: the updates here would change the search bench's figures).
 * Prints its figures; writes nothing to RESULTS.md.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '@simcard/common';
import { createDatabase, type Db, migrateToLatest } from '@simcard/db';
import knex from 'knex';
import { BENCH_ADMIN_PASSWORD, benchEnv, machine, median, signIn, startServer } from './harness.js';
import { generateStatisticsData } from './statistics-data.js';

const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The deep pages timed: the search bench's two deep offsets, through the API and as the list's ids statement alone. */
const probes = (offset: number): { label: string; query: Record<string, string>; walk: string }[] => [
  {
    label: `offset=${offset}`,
    query: { offset: String(offset) },
    walk: `select simcards.id from simcards order by simcards.id desc limit 51 offset ${offset}`,
  },
  {
    label: `offset=${offset}&sort=-sold_at`,
    query: { offset: String(offset), sort: '-sold_at' },
    walk: `select simcards.sold_at, simcards.id from simcards order by simcards.sold_at desc, simcards.id desc limit 51 offset ${offset}`,
  },
];
type Probe = ReturnType<typeof probes>[number];

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  condition: string;
  phase: string;
  load: string;
  /** Per probe: API p50/p95 (ms), the walk's median (ms), its Heap Fetches, and the server's CPU for the walk (ms, from EXPLAIN's execution time). */
  probes: { label: string; p50: number; p95: number; walk: number; heapFetches: number; execution: number }[];
}

async function tableStats(db: Db) {
  const r = await db.raw(
    `select n_dead_tup::int as dead, n_mod_since_analyze::int as modified, autovacuum_count::int as autovacuums, last_autovacuum
       from pg_stat_user_tables where relid = 'simcards'::regclass`,
  );
  return r.rows[0] as { dead: number; modified: number; autovacuums: number; last_autovacuum: Date | null };
}

async function measure(
  db: Db,
  url: string,
  token: string,
  list: Probe[],
  requests: number,
  condition: string,
  phase: string,
): Promise<Phase> {
  const headers = { authorization: `Bearer ${token}`, 'accept-encoding': 'identity' };
  const result: Phase = { condition, phase, load: load(), probes: [] };
  for (const p of list) {
    const ask = async () => {
      const t0 = performance.now();
      const res = await fetch(`${url}/simcards?${new URLSearchParams(p.query)}`, { headers });
      await res.text();
      if (res.status !== 200) throw new Error(`${p.label}: ${res.status}`);
      return performance.now() - t0;
    };
    for (let k = 0; k < 2; k++) await ask();
    const times: number[] = [];
    const walks: number[] = [];
    for (let k = 0; k < requests; k++) {
      times.push(await ask());
      if (k % 3 === 0) {
        const t0 = performance.now();
        await db.raw(p.walk);
        walks.push(performance.now() - t0);
      }
    }
    const plan = (await db.raw(`explain (analyze, buffers, format json) ${p.walk}`)).rows[0]['QUERY PLAN'][0];
    const fetches = (node: { 'Heap Fetches'?: number; Plans?: unknown[] }): number =>
      (node['Heap Fetches'] ?? 0) + (node.Plans ?? []).reduce((s: number, c) => s + fetches(c as typeof node), 0);
    result.probes.push({
      label: p.label,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      walk: median(walks),
      heapFetches: fetches(plan.Plan),
      execution: plan['Execution Time'],
    });
  }
  const stats = await tableStats(db);
  console.log(
    `${condition} / ${phase} (load ${result.load}; dead ${stats.dead}, autovacuums ${stats.autovacuums}):\n` +
      result.probes
        .map(
          (p) =>
            `  ${p.label}: API p50 ${p.p50.toFixed(1)} / p95 ${p.p95.toFixed(1)} ms; walk ${p.walk.toFixed(1)} ms (server ${p.execution.toFixed(1)} ms, heap fetches ${p.heapFetches})`,
        )
        .join('\n'),
  );
  return result;
}

async function main() {
  const { values } = parseArgs({
    options: {
      schema: { type: 'string', default: 'bench_vacuum' },
      conditions: { type: 'string', default: 'default,table' },
      options: {
        type: 'string',
        default: 'autovacuum_vacuum_scale_factor=0.01,autovacuum_vacuum_insert_scale_factor=0.01,autovacuum_analyze_scale_factor=0.01',
      },
      wait: { type: 'string', default: '300' },
      // The default thresholds are not reached by the update (0.2 × 1,000,000 dead rows): a few naptimes show it.
      'wait-default': { type: 'string', default: '150' },
      requests: { type: 'string', default: '15' },
      sold: { type: 'string', default: '100000' },
      sims: { type: 'string', default: '1000000' },
      offset: { type: 'string', default: '500000' },
    },
  });
  const url = `${PG_BASE}?schema=${values.schema}`;
  const db = createDatabase(parseDatabaseUrl(url));
  const count = Number((await db.raw('select count(*)::int as n from simcards').catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);
  const sims = Number(values.sims);
  if (count < sims) {
    await db.destroy();
    await generateStatisticsData(url, { shops: 1000, sims, logs: 1000 });
  } else await db.destroy();
  const admin = createDatabase(parseDatabaseUrl(url));
  await migrateToLatest(admin, { waitMs: 600_000 });
  // The updates and the VACUUM take minutes on a loaded machine: a connection without the app's statement time limit.
  const config = parseDatabaseUrl(url);
  const plain = knex({
    client: 'pg',
    connection: (config as { connectionString: string }).connectionString,
    searchPath: [values.schema],
    pool: { min: 1, max: 1 },
  });
  const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0', RATE_LIMIT_USER: '0' }));
  const phases: Phase[] = [];
  console.log(`${machine()}; load ${load()}; ${values.sold} SIMs sold per condition; autovacuum waited for up to ${values.wait} s`);
  try {
    const token = await signIn(api.url, BENCH_ADMIN_PASSWORD);
    const requests = Number(values.requests);
    const list = probes(Number(values.offset));
    const reloptions = values.options.split(',').map((o) => o.trim());
    const step = Math.round(sims / Number(values.sold));
    let round = 0;
    for (const condition of values.conditions.split(',')) {
      // The same start for each condition: reloptions as the condition says, a vacuumed table.
      await admin.raw(`alter table simcards reset (${reloptions.map((o) => o.split('=')[0]).join(', ')})`);
      if (condition === 'table') await admin.raw(`alter table simcards set (${reloptions.join(', ')})`);
      await plain.raw('vacuum analyze simcards');
      phases.push(await measure(admin, api.url, token, list, requests, condition, 'vacuumed (baseline)'));
      const before = await tableStats(admin);
      const t0 = Date.now();
      // 100,000 SIMs sold in one statement, every `step`-th id (a different residue each condition: each row is sold once).
      const soldAt = new Date().toISOString();
      // Without the per-row sale triggers (commissions, daily sums): the rows' new versions are what matters here.
      await plain.transaction(async (trx) => {
        await trx.raw(`set local simcard.report_sales = 'on'`);
        await trx.raw(`update simcards set status = 'sold', sold_at = ?, updated_at = ? where id % ? = ?`, [
          soldAt,
          soldAt,
          step,
          round++ % step,
        ]);
      });
      console.log(`  ${condition}: update ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      phases.push(await measure(admin, api.url, token, list, requests, condition, 'right after the update'));
      const deadline = t0 + Number(condition === 'default' ? values['wait-default'] : values.wait) * 1000;
      let stats = await tableStats(admin);
      let started: number | null = null;
      while (Date.now() < deadline && stats.autovacuums === before.autovacuums) {
        await sleep(2000);
        stats = await tableStats(admin);
        const running = await admin.raw(`select phase from pg_stat_progress_vacuum where relid = 'simcards'::regclass`);
        if (started === null && running.rows.length > 0) {
          started = Date.now();
          console.log(`  ${condition}: autovacuum seen running ${((started - t0) / 1000).toFixed(0)} s after the update started`);
        }
      }
      if (started !== null && stats.autovacuums > before.autovacuums)
        console.log(`  ${condition}: autovacuum ran ≥ ${((Date.now() - started) / 1000).toFixed(0)} s (seen running until done)`);
      const waited = ((Date.now() - t0) / 1000).toFixed(0);
      const vacuumed = stats.autovacuums > before.autovacuums;
      console.log(
        `  ${condition}: ${vacuumed ? `autovacuum finished at ${stats.last_autovacuum?.toISOString()}, ${waited} s after the update started` : `no autovacuum within ${waited} s`} (dead ${stats.dead})`,
      );
      phases.push(
        await measure(
          admin,
          api.url,
          token,
          list,
          requests,
          condition,
          vacuumed ? `after autovacuum (${waited} s)` : `${waited} s later, no autovacuum`,
        ),
      );
    }
    await admin.raw(`alter table simcards reset (${reloptions.map((o) => o.split('=')[0]).join(', ')})`);
  } finally {
    await api.stop();
    await admin.destroy();
    await plain.destroy();
  }
  console.log(
    '\n| condition | phase | load | probe | API p50 ms | API p95 ms | walk ms | heap fetches |\n| --- | --- | --- | --- | ---: | ---: | ---: | ---: |',
  );
  for (const ph of phases)
    for (const p of ph.probes)
      console.log(
        `| ${ph.condition} | ${ph.phase} | ${ph.load} | ${p.label} | ${p.p50.toFixed(1)} | ${p.p95.toFixed(1)} | ${p.walk.toFixed(1)} | ${p.heapFetches} |`,
      );
}

await main();
