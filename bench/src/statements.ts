/**
 * Monthly statements on the large data set (1,000 shops, 1,000,000 SIMs, sales over 60 days;
 * statistics-data.ts), on SQLite and PostgreSQL, through the real main API over HTTP.
 * Goal: `GET /statements?month=…` (every shop's month) under 500 ms at the median.
 *
 *   npm run bench -- statements [--rounds 15] [--regenerate] [--dialects sqlite,postgres] [--sims 1000000] [--shops 1000]
 *
 * The data set is generated once and kept (its own SQLite file / PostgreSQL schema, apart from
 * the statistics bench's). Commission rules are added through the API after the data is loaded
 * and every sale is priced by the audited recompute (the trigger of migration 1701, as for a
 * sale recorded live). Load average, rounds, median and spread are reported with the figures.
 */
import { request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dealerDay, parseDatabaseUrl } from '@simcard/common';
import { createDatabase } from '@simcard/db';
import { BENCH_ADMIN_PASSWORD, benchEnv, machine, median, signIn, startServer, writeSection } from './harness.js';
import { type DataSize, generateStatisticsData } from './statistics-data.js';

const POSTGRES_URL = `${process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'}?schema=bench_statements`;
const SQLITE_URL = `sqlite:${join(tmpdir(), 'simcard-bench-statements.sqlite')}`;
const GOAL_MS = 500;
const MARK = 'bench_statements_size';

async function marked(url: string, size: DataSize): Promise<boolean> {
  const db = createDatabase(parseDatabaseUrl(url));
  try {
    return (await db('app_settings').where({ key: MARK }).first())?.value === JSON.stringify(size);
  } catch {
    return false;
  } finally {
    await db.destroy();
  }
}

async function mark(url: string, size: DataSize): Promise<void> {
  const db = createDatabase(parseDatabaseUrl(url));
  try {
    await db('app_settings')
      .insert({ key: MARK, value: JSON.stringify(size) })
      .onConflict('key')
      .merge();
    // Fresh statistics after the recompute wrote every sale's commission row.
    await db.raw(db.client.config.client === 'sqlite3' ? 'analyze' : 'vacuum analyze');
  } finally {
    await db.destroy();
  }
}

/** Last month in the dealer's calendar: a whole month inside the data set's 60 days. */
function lastMonth(): string {
  const today = dealerDay(new Date(), 'Asia/Tashkent');
  const [y, m] = today.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

interface Timing {
  label: string;
  median: number;
  min: number;
  max: number;
  rounds: number;
}

async function call(url: string, token: string, method = 'GET', body?: object): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

/** A call that may take minutes (pricing a million-SIM history): node:http, without fetch's 5-minute header timeout. */
function longPost(url: string, token: string, body: object): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** True once the data set's sales were priced (rules exist: they are added only by this bench). */
async function priced(url: string): Promise<boolean> {
  const db = createDatabase(parseDatabaseUrl(url));
  try {
    const row = (await db('sale_commissions').where('amount', '>', 0).first('simcard_id')) as unknown;
    return row !== undefined;
  } catch {
    return false;
  } finally {
    await db.destroy();
  }
}

async function timeDialect(
  url: string,
  rounds: number,
  price: boolean,
): Promise<{ timings: Timing[]; shops: number; activations: number }> {
  const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0' }));
  try {
    const admin = await signIn(api.url, BENCH_ADMIN_PASSWORD, 'admin');
    if (price) {
      const existing = JSON.parse((await call(`${api.url}/commission-rules`, admin)).text) as { data: unknown[] };
      if (existing.data.length === 0) {
        for (const [operator, amount] of [
          ['beeline', 5000],
          ['ucell', 4000],
          ['uzmobile', 3000],
          ['mobiuz', 3500],
        ] as const) {
          await call(`${api.url}/commission-rules`, admin, 'POST', { operator, amount, valid_from: '2020-01-01' });
        }
        await call(`${api.url}/commission-shares`, admin, 'POST', { shop_id: null, kind: 'percent', value: 40, valid_from: '2020-01-01' });
      }
      const t0 = performance.now();
      const r = await longPost(`${api.url}/commission-rules/recompute`, admin, {
        from: '2020-01-01',
        to: dealerDay(new Date(), 'Asia/Tashkent'),
      });
      if (r.status !== 200) throw new Error(`recompute: ${r.status} ${r.text.slice(0, 300)}`);
      console.log(`  priced every sale (recompute) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${r.text.slice(0, 200)}`);
    }
    if (rounds === 0) return { timings: [], shops: 0, activations: 0 };
    const month = lastMonth();
    const probes = [
      { label: `GET /statements?month=${month} (every shop)`, path: `/statements?month=${month}` },
      { label: `GET /statements/17?month=${month} (one shop)`, path: `/statements/17?month=${month}` },
      { label: 'GET /chase?sort=-age_61_plus', path: '/chase?sort=-age_61_plus' },
    ];
    const timings: Timing[] = [];
    let shops = 0;
    let activations = 0;
    for (const p of probes) {
      const times: number[] = [];
      for (let k = 0; k < rounds + 2; k++) {
        const t0 = performance.now();
        const res = await call(api.url + p.path, admin);
        const ms = performance.now() - t0;
        if (res.status !== 200) throw new Error(`${p.path}: ${res.status} ${res.text.slice(0, 300)}`);
        if (k === 0 && p.path.startsWith('/statements?')) {
          const body = JSON.parse(res.text) as { shops: unknown[]; totals: { activations: number } };
          shops = body.shops.length;
          activations = body.totals.activations;
        }
        if (k >= 2) times.push(ms); // two warm-ups
      }
      timings.push({ label: p.label, median: median(times), min: Math.min(...times), max: Math.max(...times), rounds });
      console.log(
        `  ${p.label}: median ${median(times).toFixed(1)} ms (${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)})`,
      );
    }
    return { timings, shops, activations };
  } finally {
    await api.stop();
  }
}

export async function benchStatements(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '15' },
      regenerate: { type: 'boolean', default: false },
      dialects: { type: 'string', default: 'sqlite,postgres' },
      sims: { type: 'string', default: '1000000' },
      shops: { type: 'string', default: '1000' },
    },
  });
  const size: DataSize = { shops: Number(values.shops), sims: Number(values.sims), logs: 1000 };
  const rounds = Number(values.rounds);
  const names = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;
  const sections: string[] = [];
  let met = true;
  for (const dialect of values.dialects.split(',') as ('sqlite' | 'postgres')[]) {
    const url = dialect === 'sqlite' ? SQLITE_URL : POSTGRES_URL;
    if (values.regenerate || !(await marked(url, size))) {
      console.log(`${dialect}: generating ${size.shops} shops, ${size.sims} SIMs…`);
      await generateStatisticsData(url, size);
      await mark(url, size);
    }
    const price = !(await priced(url));
    if (price) {
      // Priced through the API (rules, then the audited recompute); then fresh planner statistics.
      await timeDialect(url, 0, true);
      await mark(url, size);
    }
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ');
    console.log(`${dialect}: timing ${rounds} rounds per endpoint (load average ${load})…`);
    const r = await timeDialect(url, rounds, false);
    met &&= r.timings[0]!.median < GOAL_MS;
    sections.push(
      `**${names[dialect]}** (load average before: ${load}; ${r.shops.toLocaleString('en')} shops, ${r.activations.toLocaleString('en')} activations in the month)`,
      '',
      '| endpoint | rounds | median ms | spread (min–max) ms |',
      '| --- | ---: | ---: | ---: |',
      ...r.timings.map((t) => `| ${t.label} | ${t.rounds} | ${t.median.toFixed(1)} | ${t.min.toFixed(1)}–${t.max.toFixed(1)} |`),
      '',
    );
  }
  const table = [
    `## Monthly statements on ${size.shops.toLocaleString('en')} shops, ${size.sims.toLocaleString('en')} SIMs`,
    '',
    `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}; the real main API over HTTP, one request at a time, 2 warm-ups then the timed rounds; client-side times including HTTP and JSON.`,
    "Data: `bench/src/statistics-data.ts` (sales over 60 days), every sale priced by `POST /commission-rules/recompute` (the migration 1701 trigger). Goal: every shop's month under 500 ms at the median.",
    '',
    ...sections,
    met ? `**Goal met**: \`GET /statements\` under ${GOAL_MS} ms.` : `**Goal NOT met** for \`GET /statements\` (see the medians).`,
  ].join('\n');
  console.log(`\n${table}\n`);
  writeSection('statements', table);
}
