/**
 * Every statistics and log endpoint timed on a large data set (1,000 shops, 1,000,000 SIMs,
 * 2,000,000 log rows; see statistics-data.ts), on SQLite and on PostgreSQL, through the real
 * main API over HTTP. Goal: each under 100 ms at the median.
 *
 *   npm run bench -- statistics [--requests 15] [--regenerate] [--dialects sqlite,postgres]
 *                               [--sims 1000000] [--logs 2000000] [--shops 1000]
 *
 * The data set is generated once and kept (SQLite: a file in the temp directory; PostgreSQL:
 * schema bench_stats of the test database); --regenerate makes it again.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appendCheckDigit, parseDatabaseUrl } from '@simcard/common';
import { createDatabase } from '@simcard/db';
import { BENCH_ADMIN_PASSWORD, benchEnv, machine, median, signIn, startServer, writeSection } from './harness.js';
import { type DataSize, generateStatisticsData } from './statistics-data.js';

const POSTGRES_URL = `${process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'}?schema=bench_stats`;
const SQLITE_URL = `sqlite:${join(tmpdir(), 'simcard-bench-statistics.sqlite')}`;
const GOAL_MS = 100;

interface Probe {
  label: string;
  path: string;
  staff?: boolean;
}

function probes(size: DataSize): Probe[] {
  const iccid = appendCheckDigit(`8999801${String(Math.floor(size.sims / 3)).padStart(11, '0')}`);
  const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const to = new Date(Date.now() - 6 * 86_400_000).toISOString();
  return [
    { label: 'GET /statistics (admin)', path: '/statistics' },
    { label: 'GET /statistics (staff)', path: '/statistics', staff: true },
    { label: 'GET /statistics/shops?sort=-sold', path: '/statistics/shops?sort=-sold' },
    { label: 'GET /statistics/shops?sort=sell_through&offset=500', path: '/statistics/shops?sort=sell_through&offset=500' },
    { label: 'GET /shops/{id}/stats (30 days)', path: '/shops/17/stats' },
    { label: 'GET /shops/{id}/stats?days=366 (staff)', path: '/shops/17/stats?days=366', staff: true },
    { label: 'GET /anomalies', path: '/anomalies' },
    { label: 'GET /anomalies/stale_assigned', path: '/anomalies/stale_assigned' },
    { label: 'GET /anomalies/operator_prefix_mismatch', path: '/anomalies/operator_prefix_mismatch' },
    { label: 'GET /logs/status-changes', path: '/logs/status-changes' },
    { label: 'GET /logs/status-changes?offset=10000', path: '/logs/status-changes?offset=10000' },
    { label: 'GET /logs/status-changes?errors_only=true', path: '/logs/status-changes?errors_only=true' },
    { label: 'GET /logs/status-changes?status=sold', path: '/logs/status-changes?status=sold' },
    { label: 'GET /logs/status-changes?source=manual', path: '/logs/status-changes?source=manual' },
    { label: 'GET /logs/status-changes?run_id=3', path: '/logs/status-changes?run_id=3' },
    { label: 'GET /logs/status-changes?iccid=…', path: `/logs/status-changes?iccid=${iccid}` },
    { label: 'GET /logs/status-changes?shop_id=17', path: '/logs/status-changes?shop_id=17' },
    { label: 'GET /logs/status-changes?from=…&to=… (one day)', path: `/logs/status-changes?from=${from}&to=${to}` },
    { label: 'GET /logs/status-changes (staff)', path: '/logs/status-changes', staff: true },
    { label: 'GET /reports/checks?days=90', path: '/reports/checks?days=90' },
  ];
}

/** True when `url` already holds a data set of this size (generation takes minutes). */
async function hasDataSet(url: string, size: DataSize): Promise<boolean> {
  const db = createDatabase(parseDatabaseUrl(url));
  try {
    const row = await db('app_settings').where({ key: 'bench_statistics_size' }).first();
    return row?.value === JSON.stringify(size);
  } catch {
    return false;
  } finally {
    await db.destroy();
  }
}

async function markDataSet(url: string, size: DataSize): Promise<void> {
  const db = createDatabase(parseDatabaseUrl(url));
  try {
    await db('app_settings')
      .insert({ key: 'bench_statistics_size', value: JSON.stringify(size) })
      .onConflict('key')
      .merge();
  } finally {
    await db.destroy();
  }
}

async function timeDialect(url: string, size: DataSize, requests: number): Promise<Map<string, number>> {
  const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0', AUTO_CHECK_INTERVAL_MIN: '30' }));
  try {
    const login = (username: string, password: string) => signIn(api.url, password, username);
    const admin = await login('admin', BENCH_ADMIN_PASSWORD);
    await fetch(`${api.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ username: 'bench-staff', password: BENCH_ADMIN_PASSWORD, role: 'staff', shop_id: 17 }),
    });
    const staff = await login('bench-staff', BENCH_ADMIN_PASSWORD);

    const results = new Map<string, number>();
    for (const p of probes(size)) {
      const headers = { authorization: `Bearer ${p.staff ? staff : admin}` };
      const times: number[] = [];
      for (let k = 0; k < requests + 2; k++) {
        const t0 = performance.now();
        const res = await fetch(api.url + p.path, { headers });
        const body = await res.text();
        const ms = performance.now() - t0;
        if (res.status !== 200) throw new Error(`${p.path}: ${res.status} ${body.slice(0, 300)}`);
        if (k >= 2) times.push(ms); // the first two warm the caches
      }
      results.set(p.label, median(times));
      console.log(`  ${p.label}: ${median(times).toFixed(1)} ms`);
    }
    return results;
  } finally {
    await api.stop();
  }
}

export async function benchStatistics(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string', default: '15' },
      regenerate: { type: 'boolean', default: false },
      dialects: { type: 'string', default: 'sqlite,postgres' },
      sims: { type: 'string', default: '1000000' },
      logs: { type: 'string', default: '2000000' },
      shops: { type: 'string', default: '1000' },
    },
  });
  const size: DataSize = { shops: Number(values.shops), sims: Number(values.sims), logs: Number(values.logs) };
  const dialects = values.dialects.split(',') as ('sqlite' | 'postgres')[];
  const columns: { dialect: string; results: Map<string, number> }[] = [];
  for (const dialect of dialects) {
    const url = dialect === 'sqlite' ? SQLITE_URL : POSTGRES_URL;
    if (values.regenerate || !(await hasDataSet(url, size))) {
      console.log(`${dialect}: generating ${size.shops} shops, ${size.sims} SIMs, ${size.logs} log rows…`);
      await generateStatisticsData(url, size);
      await markDataSet(url, size);
    }
    console.log(`${dialect}: timing ${Number(values.requests)} requests per endpoint…`);
    columns.push({ dialect, results: await timeDialect(url, size, Number(values.requests)) });
  }

  const names = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;
  const labels = probes(size).map((p) => p.label);
  const slow = columns.flatMap((c) =>
    labels.filter((l) => c.results.get(l)! >= GOAL_MS).map((l) => `${l} (${names[c.dialect as 'sqlite']})`),
  );
  const table = [
    `## Statistics and log endpoints on ${size.shops.toLocaleString('en')} shops, ${size.sims.toLocaleString('en')} SIMs, ${size.logs.toLocaleString('en')} log rows`,
    '',
    `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}; the real main API over HTTP, one request at a time, ${values.requests} timed requests per endpoint after 2 warm-ups; medians in ms (client side, including HTTP and JSON).`,
    `Data: \`bench/src/statistics-data.ts\` (≈ 0.94 M assignment log rows, ${Math.ceil(size.logs / Math.min(100_000, size.sims))} check runs). Goal: every median under ${GOAL_MS} ms.`,
    '',
    `| endpoint | ${columns.map((c) => `${names[c.dialect as 'sqlite']} ms`).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    ...labels.map((l) => `| ${l} | ${columns.map((c) => c.results.get(l)!.toFixed(1)).join(' | ')} |`),
    '',
    slow.length === 0
      ? `**Goal met**: every endpoint under ${GOAL_MS} ms on ${columns.map((c) => names[c.dialect as 'sqlite']).join(' and ')}.`
      : `**Goal NOT met** for: ${slow.join('; ')}.`,
  ].join('\n');
  console.log(`\n${table}\n`);
  writeSection('statistics', table);
}
