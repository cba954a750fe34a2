/**
 * `GET /simcards?limit=50` with a valid token on 100,000 SIMs: the main API beside a bare Koa
 * handler running exactly the same statements (auth lookup included) on the same driver and pool
 * size (servers/bare-koa.ts), at 1, 10 and 50 connections, in one run, alternating round by round
 * so that machine noise falls on both. Goal (issue 14): at least 0.8× the bare handler's
 * requests per second at each concurrency, and p99 ≤ 50 ms at 50 connections. Each round also
 * records each server's own CPU time per request, a figure other processes disturb less.
 *
 *   npm run bench -- list-simcards [--rows 100000] [--rounds 5] [--seconds 5] [--warmup 15]
 *     [--dialects sqlite,postgres] [--encoding br|gzip] [--no-write]
 *
 * `--warmup`: seconds of 10-connection load on each server before the rounds. The API has far more
 * code for V8 to optimize than the reference: in the 8 s after a 3 s warm-up V8's compilers took
 * ~120 µs per request more than the reference's (perf, all threads), after 15 s ~13 µs (the API's
 * optimized functions in four 5 s rounds after 2 s: 546, 132, 21, 3). A 2 s warm-up (before) charged
 * that to the API's first rounds.
 * `--encoding`: the client sends `Accept-Encoding` (both servers then compress JSON the same way,
 * compressJson); default none, as autocannon. `--no-write`: print the table only, RESULTS.md
 * untouched (trial runs on a shared machine).
 *
 * CPU_PROFILE=<file> profiles the main API for the whole run (open it in Chrome DevTools).
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '@simcard/common';
import { createDatabase, simcardTalliesRepository } from '@simcard/db';
import {
  BENCH_ADMIN_PASSWORD,
  benchEnv,
  load,
  machine,
  median,
  type Round,
  serverPid,
  signIn,
  startServer,
  writeSection,
} from './harness.js';
import { seedSqlite } from './seed.js';
import { generateStatisticsData } from './statistics-data.js';

const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONNECTIONS = [1, 10, 50];

async function prepare(dialect: 'sqlite' | 'postgres', rows: number): Promise<{ url: string; bareEnv: Record<string, string> }> {
  if (dialect === 'sqlite') {
    const file = join(tmpdir(), `simcard-bench-list-${rows}.sqlite`);
    if (!existsSync(file)) {
      console.log(`seeding ${rows} SIM cards (SQLite)…`);
      await seedSqlite(file, rows);
    }
    return { url: `sqlite:${file}`, bareEnv: { SQLITE_FILE: file } };
  }
  const schema = `bench_list_${rows}`;
  const url = `${PG_BASE}?schema=${schema}`;
  const db = createDatabase(parseDatabaseUrl(url));
  let have: boolean;
  try {
    have = Number(((await db('simcards').count({ n: '*' }).first()) as { n: string }).n) === rows;
  } catch {
    have = false;
  } finally {
    await db.destroy();
  }
  if (!have) {
    console.log(`generating ${rows} SIM cards (PostgreSQL, schema ${schema})…`);
    await generateStatisticsData(url, { shops: 20, sims: rows, logs: 1000 });
  }
  const fold = createDatabase(parseDatabaseUrl(url));
  try {
    await simcardTalliesRepository.fold(fold);
  } finally {
    await fold.destroy();
  }
  return { url, bareEnv: { PG_URL: PG_BASE, PG_SCHEMA: schema } };
}

/** /proc's clock ticks per second (`getconf CLK_TCK`: 100 on Linux). */
const CLOCK_TICKS = 100;

/** A process's CPU time so far (user + system, all its threads: sqlite3's work included), in ms (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

interface Measured extends Round {
  /** The server's own CPU per request: less sensitive than req/s to other processes on the machine. */
  cpuMsPerRequest: number;
}

/** One round against one server, with the server process's CPU time over it. */
async function measure(url: string, headers: Record<string, string>, seconds: number, connections: number, pid: number): Promise<Measured> {
  const before = cpuMs(pid);
  const round = await load(url, headers, seconds, connections);
  return { ...round, cpuMsPerRequest: (cpuMs(pid) - before) / Math.max(1, round.requestsPerSecond * seconds) };
}

interface Cell {
  api: Measured[];
  bare: Measured[];
}

export async function benchListSimcards(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '15' },
      encoding: { type: 'string' },
      dialects: { type: 'string', default: 'sqlite,postgres' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const encoding = values.encoding;
  if (encoding !== undefined && encoding !== 'br' && encoding !== 'gzip') throw new Error('--encoding: br or gzip');
  /** What both servers are sent besides the API's token. */
  const accept: Record<string, string> = encoding ? { 'accept-encoding': encoding } : {};
  const loadBefore = loadavg();
  const sections: string[] = [];

  for (const dialect of values.dialects.split(',') as ('sqlite' | 'postgres')[]) {
    const { url, bareEnv } = await prepare(dialect, rows);
    // One user sending thousands of requests a second: the per-user rate limit is off here.
    const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0', RATE_LIMIT_USER: '0' }));
    const bare = await startServer('bare-koa', bareEnv);
    const apiPid = serverPid(api.child.pid!);
    const barePid = serverPid(bare.child.pid!);
    try {
      const token = await signIn(api.url, BENCH_ADMIN_PASSWORD);
      const headers = { authorization: `Bearer ${token}`, ...accept };
      const check = (await (await fetch(`${api.url}/simcards?limit=50`, { headers })).json()) as { data: unknown[]; total: number };
      if (check.data.length !== 50 || check.total !== rows)
        throw new Error(`unexpected API answer: ${check.data.length} rows, total ${check.total}`);
      const bareCheck = (await (await fetch(`${bare.url}/simcards?limit=50`, { headers: accept })).json()) as {
        data: unknown[];
        total: number;
      };
      if (bareCheck.data.length !== 50 || bareCheck.total !== rows)
        throw new Error(`unexpected bare answer: ${bareCheck.data.length} rows`);
      if (encoding) {
        // fetch decodes what it asks for; the header says whether each server compressed.
        for (const [name, url, h] of [
          ['API', api.url, headers],
          ['bare', bare.url, accept],
        ] as const) {
          const got = (await fetch(`${url}/simcards?limit=50`, { headers: h })).headers.get('content-encoding');
          if (got !== encoding) throw new Error(`${name} answered Content-Encoding ${got}, not ${encoding}`);
        }
      }

      // Warm both (JIT, page caches).
      await load(`${api.url}/simcards?limit=50`, headers, warmup);
      await load(`${bare.url}/simcards?limit=50`, accept, warmup);

      const cells = new Map<number, Cell>(CONNECTIONS.map((c) => [c, { api: [], bare: [] }]));
      for (let i = 0; i < rounds; i++) {
        for (const c of CONNECTIONS) {
          const cell = cells.get(c)!;
          cell.api.push(await measure(`${api.url}/simcards?limit=50`, headers, seconds, c, apiPid));
          cell.bare.push(await measure(`${bare.url}/simcards?limit=50`, accept, seconds, c, barePid));
          console.log(
            `${dialect} round ${i + 1}, ${c} conn: API ${cell.api[i]!.requestsPerSecond.toFixed(0)} req/s ${cell.api[i]!.cpuMsPerRequest.toFixed(3)} ms CPU, ` +
              `bare ${cell.bare[i]!.requestsPerSecond.toFixed(0)} req/s ${cell.bare[i]!.cpuMsPerRequest.toFixed(3)} ms CPU`,
          );
        }
      }
      const failures = [...cells.values()].flatMap((c) => [...c.api, ...c.bare]).reduce((n, r) => n + r.errors + r.non2xx, 0);
      if (failures > 0) throw new Error(`${failures} failed requests during the benchmark`);

      const lines: string[] = [];
      const verdicts: string[] = [];
      for (const c of CONNECTIONS) {
        const cell = cells.get(c)!;
        const ratios = cell.api.map((r, k) => r.requestsPerSecond / cell.bare[k]!.requestsPerSecond);
        const ratio = median(ratios);
        const p99 = median(cell.api.map((r) => r.p99Ms));
        const cpuRatios = cell.api.map((r, k) => r.cpuMsPerRequest / cell.bare[k]!.cpuMsPerRequest);
        lines.push(
          `| ${c} | ${median(cell.api.map((r) => r.requestsPerSecond)).toFixed(0)} | ${median(cell.bare.map((r) => r.requestsPerSecond)).toFixed(0)} | ` +
            `**${ratio.toFixed(2)}×** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${median(cell.api.map((r) => r.p50Ms))} / ${p99} | ` +
            `${median(cell.bare.map((r) => r.p50Ms))} / ${median(cell.bare.map((r) => r.p99Ms))} | ` +
            `${median(cell.api.map((r) => r.cpuMsPerRequest)).toFixed(2)} / ${median(cell.bare.map((r) => r.cpuMsPerRequest)).toFixed(2)} | ` +
            `${median(cpuRatios).toFixed(2)}× (${Math.min(...cpuRatios).toFixed(2)}–${Math.max(...cpuRatios).toFixed(2)}) |`,
        );
        verdicts.push(`${c} conn ${ratio >= 0.8 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×)`);
        if (c === 50) verdicts.push(`p99 at 50 conn ${p99} ms: ${p99 <= 50 ? 'met' : 'NOT met'}`);
      }
      sections.push(
        [
          `### ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
          '',
          '| connections | API req/s (median) | bare req/s (median) | ratio: median (min–max) of per-round ratios | API p50 / p99 ms | bare p50 / p99 ms | CPU ms per request, API / bare | CPU per request, API/bare per round |',
          '| ---: | ---: | ---: | --- | --- | --- | --- | --- |',
          ...lines,
          '',
          `Goal ≥ 0.80× at every concurrency, p99 ≤ 50 ms at 50: ${verdicts.join('; ')}.`,
        ].join('\n'),
      );
    } finally {
      await api.stop();
      await bare.stop();
    }
  }
  const loadAfter = loadavg();
  const table = [
    `## GET /simcards?limit=50 on ${rows.toLocaleString('en')} SIM cards`,
    '',
    `Run: ${new Date().toISOString().slice(0, 16)}Z, ${machine()}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}.`,
    `autocannon at 1, 10 and 50 connections, ${rounds} rounds of ${seconds} s each, API and bare alternating per round after a ${warmup} s warm-up of each; per-round ratios (API/bare), their median and spread. ` +
      (encoding
        ? `Both asked with \`Accept-Encoding: ${encoding}\` (both compress JSON above 1 KB the same way).`
        : 'No `Accept-Encoding` sent: neither compresses.'),
    "CPU per request: the server process's CPU time (all threads, sqlite3's included; not PostgreSQL's server) over the round, divided by its requests; a loaded machine moves it less than req/s.",
    'Reference: `bench/src/servers/bare-koa.ts`, a bare Koa handler running the same four statements (auth lookup with the revocation check, page ids (one more than the page, as the API), total from the counters, rows by id) on the same driver and pool size (SQLite: 4 WAL connections; PostgreSQL: pool of 10) as prepared statements, with the same JSON compression middleware.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (!values['no-write']) writeSection('list-simcards', table);
}
