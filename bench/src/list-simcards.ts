/**
 * `GET /simcards?limit=50` with a valid token on 100,000 SIMs: the main API beside a bare Koa
 * handler serving the same queries through raw prepared statements of the same driver, in one
 * run, alternating rounds so that machine noise falls on both. Goal: at least 0.8× the bare
 * handler's requests per second.
 *
 *   npm run bench -- list-simcards [--rows 100000] [--rounds 3] [--seconds 8]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_ADMIN_PASSWORD, benchEnv, load, machine, median, signIn, startServer, writeSection, type Round } from './harness.js';
import { seedSqlite } from './seed.js';

export async function benchListSimcards(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { rows: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '8' } },
  });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);

  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-'));
  const file = join(dir, 'bench.sqlite');
  try {
    console.log(`seeding ${rows} SIM cards…`);
    await seedSqlite(file, rows);

    // One user sending thousands of requests a second: the per-user rate limit is off here.
    const api = await startServer('main-api', benchEnv(`sqlite:${file}`, { MAIN_API_PORT: '0', RATE_LIMIT_USER: '0' }));
    const bare = await startServer('bare-koa', { SQLITE_FILE: file });
    try {
      const token = await signIn(api.url, BENCH_ADMIN_PASSWORD);
      const headers = { authorization: `Bearer ${token}` };
      const check = (await (await fetch(`${api.url}/simcards?limit=50`, { headers })).json()) as { data: unknown[]; total: number };
      if (check.data.length !== 50 || check.total !== rows) throw new Error(`unexpected API answer: ${check.data.length} rows, total ${check.total}`);

      // Warm both (JIT, SQLite page cache).
      await load(`${api.url}/simcards?limit=50`, headers, 2);
      await load(`${bare.url}/simcards?limit=50`, {}, 2);

      const apiRounds: Round[] = [];
      const bareRounds: Round[] = [];
      for (let i = 0; i < rounds; i++) {
        apiRounds.push(await load(`${api.url}/simcards?limit=50`, headers, seconds));
        bareRounds.push(await load(`${bare.url}/simcards?limit=50`, {}, seconds));
        console.log(`round ${i + 1}: API ${apiRounds[i]!.requestsPerSecond.toFixed(0)} req/s, bare ${bareRounds[i]!.requestsPerSecond.toFixed(0)} req/s`);
      }
      const failures = [...apiRounds, ...bareRounds].reduce((n, r) => n + r.errors + r.non2xx, 0);
      if (failures > 0) throw new Error(`${failures} failed requests during the benchmark`);

      const a = median(apiRounds.map((r) => r.requestsPerSecond));
      const b = median(bareRounds.map((r) => r.requestsPerSecond));
      const ratio = a / b;
      const table = [
        `## GET /simcards?limit=50 on ${rows.toLocaleString('en')} SIM cards (SQLite)`,
        '',
        `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}; autocannon, 10 connections, ${rounds} alternating rounds of ${seconds} s after a 2 s warm-up; medians.`,
        'Reference: a bare Koa handler running the same two queries (page + total) through raw prepared statements of `sqlite3`.',
        '',
        '| | req/s (median) | p50 ms | p99 ms | rounds (req/s) |',
        '| --- | ---: | ---: | ---: | --- |',
        `| main API (JWT + revocation check, validation, router, presenter) | ${a.toFixed(0)} | ${median(apiRounds.map((r) => r.p50Ms))} | ${median(apiRounds.map((r) => r.p99Ms))} | ${apiRounds.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')} |`,
        `| bare Koa + prepared statements | ${b.toFixed(0)} | ${median(bareRounds.map((r) => r.p50Ms))} | ${median(bareRounds.map((r) => r.p99Ms))} | ${bareRounds.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')} |`,
        '',
        `**Ratio: ${ratio.toFixed(2)}×** the bare handler (goal ≥ 0.80×): ${ratio >= 0.8 ? 'met' : 'NOT met'}.`,
      ].join('\n');
      console.log(`\n${table}\n`);
      writeSection('list-simcards', table);
    } finally {
      await api.stop();
      await bare.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
