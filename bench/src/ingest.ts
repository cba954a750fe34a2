/**
 * Single-row ingest: `POST /simcards/bulk` with one row and an `Idempotency-Key`, 10 requests in
 * flight, through the real main API, SQLite and PostgreSQL (each a freshly migrated database).
 * Goal (issue 14): mean < 50 ms, p95 < 100 ms, > 200 req/s. The per-user and per-key rate
 * limits are off for the bench (an integration needs them raised the same way: see README).
 * The goal is absolute; `--before <dir>` adds a second tree of the project (the working tree
 * with the change under test undone, its node_modules' @simcard links pointing into it) measured
 * in the same run on its own fresh database, rounds alternating (which goes first alternating
 * too), with per-round ratios: on a loaded machine the ratio says more than the figures.
 * `--profile <file>`: a CPU profile of this tree's API over the measured rounds (`<file>.<dialect>.cpuprofile`).
 *
 *   npm run bench -- ingest [--rounds 5] [--requests 1000] [--concurrency 10] [--dialects sqlite,postgres] [--before /tmp/before] [--profile f]
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appendCheckDigit } from '@simcard/common';
import knex from 'knex';
import { BENCH_ADMIN_PASSWORD, benchEnv, machine, median, signIn, startServer, writeSection } from './harness.js';

const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function freshUrl(dialect: 'sqlite' | 'postgres', name = 'ingest'): Promise<string> {
  if (dialect === 'sqlite') {
    const file = join(tmpdir(), `simcard-bench-${name}.sqlite`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    return `sqlite:${file}`;
  }
  const admin = knex({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } });
  await admin.raw(`drop schema if exists bench_${name.replace(/\W/g, '_')} cascade`);
  await admin.destroy();
  return `${PG_BASE}?schema=bench_${name.replace(/\W/g, '_')}`;
}

let serial = 0;

async function round(url: string, token: string, requests: number, concurrency: number): Promise<{ times: number[]; perSecond: number }> {
  const times: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < requests) {
      next++;
      const iccid = appendCheckDigit(`8999804${String(process.pid % 1000).padStart(3, '0')}${String(++serial).padStart(8, '0')}`);
      const start = performance.now();
      const res = await fetch(`${url}/simcards/bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ rows: [{ iccid }] }),
      });
      const body = await res.text();
      times.push(performance.now() - start);
      if (res.status !== 200 && res.status !== 201) throw new Error(`ingest answered ${res.status}: ${body.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { times, perSecond: requests / ((performance.now() - t0) / 1000) };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

interface Figures {
  mean: number;
  p95: number;
  perSecond: number;
}

const fmt = (xs: number[], digits = 2) => xs.map((x) => x.toFixed(digits)).join(', ');

export async function benchIngest(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      requests: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '10' },
      dialects: { type: 'string', default: 'sqlite,postgres' },
      before: { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const before = values.before;
  const loadBefore = loadavg();
  const loads: number[] = [];
  const lines: string[] = [];
  const ratioLines: string[] = [];
  for (const dialect of values.dialects.split(',') as ('sqlite' | 'postgres')[]) {
    const env = { MAIN_API_PORT: '0', RATE_LIMIT_USER: '0', RATE_LIMIT_API_KEY: '0' };
    const profile: Record<string, string> = values.profile ? { CPU_PROFILE: `${values.profile}.${dialect}.cpuprofile` } : {};
    const api = await startServer('main-api', benchEnv(await freshUrl(dialect), { ...env, ...profile }));
    const old = before ? await startServer('main-api', benchEnv(await freshUrl(dialect, 'ingest-before'), env), before) : null;
    try {
      const token = await signIn(api.url, BENCH_ADMIN_PASSWORD);
      const oldToken = old ? await signIn(old.url, BENCH_ADMIN_PASSWORD) : '';
      await round(api.url, token, 100, concurrency); // warm-up
      if (old) await round(old.url, oldToken, 100, concurrency);
      const results: Figures[] = [];
      const oldResults: Figures[] = [];
      const measure = async (url: string, t: string, into: Figures[], label: string) => {
        const { times, perSecond } = await round(url, t, requests, concurrency);
        const f = { mean: times.reduce((a, b) => a + b, 0) / times.length, p95: pct(times, 95), perSecond };
        into.push(f);
        console.log(
          `${dialect} ${label} round ${into.length}: mean ${f.mean.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, ${perSecond.toFixed(0)} req/s`,
        );
      };
      for (let r = 0; r < rounds; r++) {
        loads.push(loadavg()[0]!);
        const order: [string, string, Figures[], string][] = [[api.url, token, results, 'after']];
        if (old) order[r % 2 === 0 ? 'push' : 'unshift']([old.url, oldToken, oldResults, 'before']);
        for (const [url, t, into, label] of order) await measure(url, t, into, old ? label : 'API');
      }
      const mean = median(results.map((x) => x.mean));
      const p95 = median(results.map((x) => x.p95));
      const rps = median(results.map((x) => x.perSecond));
      const met = mean < 50 && p95 < 100 && rps > 200;
      const name = dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
      const row = (who: string, xs: Figures[], goal: string) =>
        `| ${who} | ${median(xs.map((x) => x.mean)).toFixed(1)} | ${median(xs.map((x) => x.p95)).toFixed(1)} | ${median(xs.map((x) => x.perSecond)).toFixed(0)} (${xs.map((x) => x.perSecond.toFixed(0)).join(', ')}) | ${goal} |`;
      lines.push(row(name, results, met ? 'met' : 'NOT met'));
      if (old) {
        lines.push(row(`${name}, before`, oldResults, ''));
        const meanRatios = results.map((x, i) => x.mean / oldResults[i]!.mean);
        const rpsRatios = results.map((x, i) => x.perSecond / oldResults[i]!.perSecond);
        const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
        ratioLines.push(
          `- ${name}: mean latency after/before per round ${fmt(meanRatios)}: **median ${median(meanRatios).toFixed(2)}×** (${spread(meanRatios)}); ` +
            `req/s after/before ${fmt(rpsRatios)}: **median ${median(rpsRatios).toFixed(2)}×** (${spread(rpsRatios)}).`,
        );
      }
    } finally {
      await api.stop();
      await old?.stop();
    }
  }
  const loadAfter = loadavg();
  const table = [
    '## Single-row ingest: POST /simcards/bulk with Idempotency-Key, 10 in flight',
    '',
    `Run: ${new Date().toISOString().slice(0, 16)}Z, ${machine()}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; 1-minute load at the start of each round (SQLite's, then PostgreSQL's) ${loads.map((l) => l.toFixed(1)).join(', ')}.`,
    `${rounds} rounds of ${requests} requests (one new ICCID each, a new key each) after 100 warm-up requests, fresh database per dialect; rate limits off (RATE_LIMIT_USER=0, RATE_LIMIT_API_KEY=0). Medians of the per-round figures. Goal: mean < 50 ms, p95 < 100 ms, > 200 req/s.`,
    ...(before
      ? [
          `"before": the tree at \`--before\` (the same code without the change measured), its own fresh database, its rounds alternating with this tree's (which goes first alternating).`,
        ]
      : []),
    '',
    '| database | mean ms | p95 ms | req/s (rounds) | goal |',
    '| --- | ---: | ---: | --- | --- |',
    ...lines,
    ...(ratioLines.length ? ['', ...ratioLines] : []),
  ].join('\n');
  console.log(`\n${table}\n`);
  writeSection('ingest', table);
}
