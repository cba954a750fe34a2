/**
 * Single-row ingest: `POST /simcards/bulk` with one row and an `Idempotency-Key`, 10 requests in
 * flight, through the real main API, SQLite and PostgreSQL (each a freshly migrated database).
 * Goal (issue 14): mean < 50 ms, p95 < 100 ms, > 200 req/s. The per-user and per-key rate
 * limits are off for the bench (an integration needs them raised the same way: see README).
 * Measurement only: no reference server (the goal is absolute).
 *
 *   npm run bench -- ingest [--rounds 5] [--requests 1000] [--concurrency 10] [--dialects sqlite,postgres]
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

async function freshUrl(dialect: 'sqlite' | 'postgres'): Promise<string> {
  if (dialect === 'sqlite') {
    const file = join(tmpdir(), 'simcard-bench-ingest.sqlite');
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    return `sqlite:${file}`;
  }
  const admin = knex({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } });
  await admin.raw('drop schema if exists bench_ingest cascade');
  await admin.destroy();
  return `${PG_BASE}?schema=bench_ingest`;
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

export async function benchIngest(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      requests: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '10' },
      dialects: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const rounds = Number(values.rounds);
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const loadBefore = loadavg();
  const lines: string[] = [];
  for (const dialect of values.dialects.split(',') as ('sqlite' | 'postgres')[]) {
    const url = await freshUrl(dialect);
    const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0', RATE_LIMIT_USER: '0', RATE_LIMIT_API_KEY: '0' }));
    try {
      const token = await signIn(api.url, BENCH_ADMIN_PASSWORD);
      await round(api.url, token, 100, concurrency); // warm-up
      const results: { mean: number; p95: number; perSecond: number }[] = [];
      for (let r = 0; r < rounds; r++) {
        const { times, perSecond } = await round(api.url, token, requests, concurrency);
        results.push({ mean: times.reduce((a, b) => a + b, 0) / times.length, p95: pct(times, 95), perSecond });
        console.log(
          `${dialect} round ${r + 1}: mean ${results[r]!.mean.toFixed(1)} ms, p95 ${results[r]!.p95.toFixed(1)} ms, ${perSecond.toFixed(0)} req/s`,
        );
      }
      const mean = median(results.map((x) => x.mean));
      const p95 = median(results.map((x) => x.p95));
      const rps = median(results.map((x) => x.perSecond));
      const met = mean < 50 && p95 < 100 && rps > 200;
      lines.push(
        `| ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${mean.toFixed(1)} | ${p95.toFixed(1)} | ${rps.toFixed(0)} (${results.map((x) => x.perSecond.toFixed(0)).join(', ')}) | ${met ? 'met' : 'NOT met'} |`,
      );
    } finally {
      await api.stop();
    }
  }
  const loadAfter = loadavg();
  const table = [
    '## Single-row ingest: POST /simcards/bulk with Idempotency-Key, 10 in flight',
    '',
    `Run: ${new Date().toISOString().slice(0, 16)}Z, ${machine()}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}.`,
    `${rounds} rounds of ${requests} requests (one new ICCID each, a new key each) after 100 warm-up requests, fresh database per dialect; rate limits off (RATE_LIMIT_USER=0, RATE_LIMIT_API_KEY=0). Medians of the per-round figures. Goal: mean < 50 ms, p95 < 100 ms, > 200 req/s.`,
    '',
    '| database | mean ms | p95 ms | req/s (rounds) | goal |',
    '| --- | ---: | ---: | --- | --- |',
    ...lines,
  ].join('\n');
  console.log(`\n${table}\n`);
  writeSection('ingest', table);
}
