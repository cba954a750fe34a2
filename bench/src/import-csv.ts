/**
 * A 100,000-row CSV through `POST /simcards/bulk` beside the database's own command-line bulk
 * load of the same rows into the same schema, on SQLite and on PostgreSQL (issue 14, goal 5:
 * ≤ 1.3× each reference):
 * - SQLite: the `sqlite3` CLI's `.import` into a staging table, then `INSERT INTO simcards … SELECT`;
 * - PostgreSQL: `psql`'s `\copy` (COPY FROM STDIN) into a staging table, then the same INSERT … SELECT.
 * Each import goes into a freshly migrated database; the API's server is started on it and warmed
 * up by one 2,000-row import first. API and reference alternate (which goes first alternates too);
 * per-round ratios, their median and spread; the load average is printed. The main API's peak
 * RSS (VmHWM, from /proc) is reported; `--big N` adds one N-row import for the RSS goal (1M rows ≤ 250 MB).
 *
 *   npm run bench -- import-csv [--rows 100000] [--rounds 5] [--dialects sqlite,postgres] [--big 1000000]
 *                               [--api-node-options=--max-semi-space-size=2]
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appendCheckDigit, TokenService } from '@simcard/common';
import { createDatabase, type Db, migrateToLatest } from '@simcard/db';
import knex from 'knex';
import { addBenchAdmin, BENCH_JWT_SECRET, benchEnv, machine, median, peakRssMb, serverPid, startServer, writeSection } from './harness.js';

type Dialect = 'sqlite' | 'postgres';
/**
 * The sqlite3 shell: the schema's FTS5 table (contentless_delete) needs SQLite ≥ 3.43, newer than
 * Debian 12's CLI (3.40). Build one from the amalgamation node-sqlite3 ships, the version the API runs:
 * tar xzf node_modules/sqlite3/deps/sqlite-autoconf-*.tar.gz && gcc -O2 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_MATH_FUNCTIONS shell.c sqlite3.c -lpthread -ldl -lm -o sqlite3
 */
const SQLITE3 = process.env.SQLITE3_CLI ?? 'sqlite3';
const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_SCHEMA = 'bench_import';

const OPERATORS = [
  ['beeline', '90'],
  ['ucell', '93'],
  ['uzmobile', '99'],
  ['mobiuz', '97'],
] as const;

/** The file an operator sends: iccid, msisdn, operator, tariff, price. */
/** `first`: the number of the first row; files with different ranges share no ICCID or phone number. */
async function writeCsv(path: string, rows: number, first = 1): Promise<void> {
  const out = createWriteStream(path);
  out.write('iccid,msisdn,operator,tariff,price\n');
  for (let i = first; i < first + rows; i++) {
    const [operator, prefix] = OPERATORS[i % 4]!;
    const line = `${appendCheckDigit(`8999803${String(i).padStart(11, '0')}`)},+998${prefix}${String(i).padStart(7, '0')},${operator},Start,15000\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

/** A freshly migrated database (SQLite file, or the PostgreSQL schema dropped and made again); answers its DATABASE_URL. */
async function migratedDatabase(dialect: Dialect, dir: string, admin = false): Promise<string> {
  let db: Db;
  let url: string;
  if (dialect === 'sqlite') {
    const file = join(dir, `db-${Date.now()}.sqlite`);
    db = createDatabase({ client: 'sqlite', filename: file });
    url = `sqlite:${file}`;
  } else {
    const root = knex({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } });
    await root.raw('drop schema if exists ?? cascade', [PG_SCHEMA]);
    await root.destroy();
    db = createDatabase({ client: 'postgres', connectionString: PG_BASE, schema: PG_SCHEMA });
    url = `${PG_BASE}?schema=${PG_SCHEMA}`;
  }
  await migrateToLatest(db);
  if (admin) {
    await addBenchAdmin(db);
    if (dialect === 'postgres') await db.raw(`select setval(pg_get_serial_sequence('users', 'id'), 1)`);
  }
  await db.destroy();
  return url;
}

function dropDatabase(url: string): void {
  if (!url.startsWith('sqlite:')) return;
  const file = url.slice('sqlite:'.length);
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/**
 * A token minted here with the server's secret: signing in would run scrypt (128 MB at N=2^17)
 * inside the server and its peak RSS would be the login's, not the import's.
 */
function adminToken(): string {
  return new TokenService(BENCH_JWT_SECRET, 3600).issue(1, 0).token;
}

/** CPU seconds (user + system, every thread) a process has used so far (Linux, 100 ticks a second). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `command args` run with `input` on stdin under bash, with the CPU seconds its children used
 * (bash's `times`): on a shared machine, CPU time says more than wall time about the work done.
 */
function spawnTimed(
  command: string,
  args: string[],
  input: string,
): { status: number | null; stdout: string; stderr: string; cpu: number } {
  const result = spawnSync('bash', ['-c', '"$@"; status=$?; times >&2; exit $status', 'timed', command, ...args], {
    input,
    encoding: 'utf8',
  });
  const times = [...result.stderr.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  // `times`: the shell's user and system time, then its children's.
  const cpu = (times[2] ?? 0) + (times[3] ?? 0);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.replace(/(\d+m[\d.]+s \d+m[\d.]+s\n?){2}$/, ''), cpu };
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

interface ApiRun {
  seconds: number;
  /** CPU seconds of the server process during the timed import. */
  cpu: number;
  idleRssMb: number;
  peakRssMb: number;
  /** The largest RSS seen in each tenth of the import's time (sampled every 100 ms). */
  rssByTenth: number[];
}

function byTenth(samples: { at: number; mb: number }[], seconds: number): number[] {
  const tenths = Array.from({ length: 10 }, () => 0);
  for (const s of samples) {
    const i = Math.min(9, Math.floor((s.at / seconds) * 10));
    tenths[i] = Math.max(tenths[i]!, s.mb);
  }
  return tenths;
}

async function postCsv(url: string, token: string, csv: string): Promise<Response> {
  return fetch(`${url}/simcards/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(statSync(csv).size) },
    body: ReadableStream.from(createReadStream(csv)),
    duplex: 'half',
  } as RequestInit);
}

/** A fresh API on a fresh database; one small import warms it up (a real server is long-running), then the timed one. */
async function apiImport(dialect: Dialect, dir: string, csv: string, rows: number, warmUp: string, nodeOptions: string): Promise<ApiRun> {
  const url = await migratedDatabase(dialect, dir, true);
  const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) }));
  try {
    const pid = serverPid(api.child.pid!);
    const token = adminToken();
    const warm = await postCsv(api.url, token, warmUp);
    if (warm.status !== 200) throw new Error(`warm-up import failed: ${warm.status} ${await warm.text()}`);
    const idleRssMb = rssMb(pid);
    const cpuBefore = cpuSeconds(pid);
    const started = performance.now();
    const samples: { at: number; mb: number }[] = [];
    const sampler = setInterval(() => samples.push({ at: (performance.now() - started) / 1000, mb: rssMb(pid) }), 100);
    const res = await postCsv(api.url, token, csv);
    const report = (await res.json()) as { inserted?: number };
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(pid) - cpuBefore;
    clearInterval(sampler);
    if (res.status !== 200 || report.inserted !== rows)
      throw new Error(`import failed: ${res.status} ${JSON.stringify(report).slice(0, 300)}`);
    return { seconds, cpu, idleRssMb, peakRssMb: peakRssMb(pid), rssByTenth: byTenth(samples, seconds) };
  } finally {
    await api.stop();
    dropDatabase(url);
  }
}

const INSERT_SELECT = (at: string, price: string) =>
  `INSERT INTO simcards (iccid, msisdn, operator, tariff, price, batch_id, status, created_at, updated_at)
   SELECT iccid, msisdn, operator, tariff, ${price}, 'cli', 'in_stock', '${at}', '${at}' FROM staging;`;

/** The CLI's `.import` into a staging table, then the same rows into `simcards`, in one transaction. */
/** The reference's wall time, and its CPU seconds when the work is all in its own process (the sqlite3 shell; not psql, whose server does the work). */
interface RefRun {
  seconds: number;
  cpu: number | null;
}

async function sqliteCliImport(dir: string, csv: string, rows: number): Promise<RefRun> {
  const url = await migratedDatabase('sqlite', dir);
  const file = url.slice('sqlite:'.length);
  const at = new Date().toISOString();
  const script = [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA synchronous = NORMAL;',
    'BEGIN;',
    'CREATE TEMP TABLE staging (iccid TEXT, msisdn TEXT, operator TEXT, tariff TEXT, price TEXT);',
    `.import --csv --skip 1 ${csv} staging`,
    INSERT_SELECT(at, 'CAST(price AS INTEGER)'),
    'DROP TABLE staging;',
    'COMMIT;',
    'SELECT count(*) FROM simcards;',
  ].join('\n');
  try {
    const started = performance.now();
    const result = spawnTimed(SQLITE3, ['-bail', file], `${script}\n`);
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0 || !result.stdout.includes(String(rows))) throw new Error(`sqlite3 failed: ${result.stderr || result.stdout}`);
    return { seconds, cpu: result.cpu };
  } finally {
    dropDatabase(url);
  }
}

/** `psql`'s `\copy` (COPY FROM STDIN) into a temporary staging table, then the same rows into `simcards`, in one transaction. */
async function psqlCopyImport(dir: string, csv: string, rows: number): Promise<RefRun> {
  await migratedDatabase('postgres', dir);
  const at = new Date().toISOString();
  const script = [
    `SET search_path TO ${PG_SCHEMA};`,
    'BEGIN;',
    'CREATE TEMP TABLE staging (iccid varchar(20), msisdn varchar(13), operator varchar(32), tariff varchar(64), price integer) ON COMMIT DROP;',
    `\\copy staging FROM '${csv}' WITH (FORMAT csv, HEADER true)`,
    INSERT_SELECT(at, 'price'),
    'COMMIT;',
    'SELECT count(*) FROM simcards;',
  ].join('\n');
  const started = performance.now();
  const result = spawnSync('psql', ['-X', '-q', '-t', '-v', 'ON_ERROR_STOP=1', PG_BASE], { input: `${script}\n`, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0 || !result.stdout.includes(String(rows))) throw new Error(`psql failed: ${result.stderr || result.stdout}`);
  return { seconds, cpu: null };
}

const REFERENCE: Record<Dialect, { name: string; run: typeof psqlCopyImport; describe: string }> = {
  sqlite: {
    name: 'sqlite3 CLI .import',
    run: sqliteCliImport,
    describe:
      '`sqlite3 -bail db` running `.import --csv` into a temporary staging table, then `INSERT INTO simcards … SELECT` (same columns, same indexes and triggers) in one transaction, WAL + synchronous=NORMAL like the API; process start to exit',
  },
  postgres: {
    name: 'psql \\copy',
    run: psqlCopyImport,
    describe:
      '`psql` running `\\copy staging FROM file (FORMAT csv)` (COPY FROM STDIN) into a temporary staging table, then `INSERT INTO simcards … SELECT` (same columns, indexes and triggers) in one transaction; process start to exit',
  },
};

const fmt = (n: number) => n.toFixed(2);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

interface DialectResult {
  dialect: Dialect;
  api: ApiRun[];
  ref: RefRun[];
}

function section(r: DialectResult, rows: number, csvMb: number): string[] {
  const ratios = r.api.map((a, i) => a.seconds / r.ref[i]!.seconds);
  const ratio = median(ratios);
  const apiS = median(r.api.map((a) => a.seconds));
  const refS = median(r.ref.map((x) => x.seconds));
  const ref = REFERENCE[r.dialect];
  const peak = Math.max(...r.api.map((a) => a.peakRssMb));
  return [
    `### ${r.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
    '',
    `Reference: ${ref.describe}.`,
    '',
    '| | seconds (median) | rows/s | rounds (s) |',
    '| --- | ---: | ---: | --- |',
    `| main API, POST /simcards/bulk | ${fmt(apiS)} | ${Math.round(rows / apiS).toLocaleString('en')} | ${r.api.map((a) => fmt(a.seconds)).join(', ')} |`,
    `| ${ref.name} | ${fmt(refS)} | ${Math.round(rows / refS).toLocaleString('en')} | ${r.ref.map((x) => fmt(x.seconds)).join(', ')} |`,
    '',
    `Per-round ratios (API / reference): ${ratios.map(fmt).join(', ')}. **Median ${fmt(ratio)}×** (spread ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}); goal ≤ 1.3×: ${ratio <= 1.3 ? 'met' : 'NOT met'} in this run.`,
    ...(r.ref.every((x) => x.cpu !== null)
      ? [
          `CPU seconds (user + system, all threads; less bent by a loaded machine than wall time): API ${r.api.map((a) => fmt(a.cpu)).join(', ')}; reference ${r.ref.map((x) => fmt(x.cpu!)).join(', ')}; per-round ratios ${r.api.map((a, i) => fmt(a.cpu / r.ref[i]!.cpu!)).join(', ')}, median ${fmt(median(r.api.map((a, i) => a.cpu / r.ref[i]!.cpu!)))}×.`,
        ]
      : []),
    `Peak RSS of the main API process (VmHWM, from start-up, ${csvMb.toFixed(1)} MB file): ${peak.toFixed(0)} MB at most (before the timed import: ${median(r.api.map((a) => a.idleRssMb)).toFixed(0)} MB).`,
    '',
  ];
}

export async function benchImportCsv(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '5' },
      dialects: { type: 'string', default: 'sqlite,postgres' },
      big: { type: 'string', default: '0' },
      // The main API's V8 flags, e.g. `--max-semi-space-size=2` as `npm run start:prod` and
      // deploy/systemd start it (scripts/lib/parts.ts PROD_NODE_FLAGS); none by default.
      'api-node-options': { type: 'string', default: '' },
    },
  });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  const big = Number(values.big);
  const nodeOptions = values['api-node-options'];
  const dialects = values.dialects.split(',') as Dialect[];
  if (dialects.includes('sqlite') && spawnSync(SQLITE3, ['-version']).status !== 0)
    throw new Error('the sqlite3 command-line tool is missing: apt-get install -y sqlite3');
  if (dialects.includes('postgres') && spawnSync('psql', ['--version']).status !== 0)
    throw new Error('psql is missing: apt-get install -y postgresql-client');
  const versions = [
    dialects.includes('sqlite') ? `sqlite3 CLI ${spawnSync(SQLITE3, ['-version'], { encoding: 'utf8' }).stdout.split(' ')[0]}` : '',
    dialects.includes('postgres') ? spawnSync('psql', ['--version'], { encoding: 'utf8' }).stdout.trim() : '',
  ].filter(Boolean);

  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-import-'));
  const loadBefore = load();
  try {
    const csv = join(dir, 'sims.csv');
    await writeCsv(csv, rows);
    const warmUp = join(dir, 'warm-up.csv');
    await writeCsv(warmUp, 2000, 9_000_000);
    const csvMb = statSync(csv).size / 1024 / 1024;
    console.log(`${rows} rows, ${csvMb.toFixed(1)} MB; load average ${loadBefore}`);

    const results: DialectResult[] = dialects.map((dialect) => ({ dialect, api: [], ref: [] }));
    for (let i = 0; i < rounds; i++) {
      for (const r of results) {
        const ref = REFERENCE[r.dialect];
        // Which side goes first alternates, so a drift in the machine's load favours neither.
        if (i % 2 === 0) {
          r.api.push(await apiImport(r.dialect, dir, csv, rows, warmUp, nodeOptions));
          r.ref.push(await ref.run(dir, csv, rows));
        } else {
          r.ref.push(await ref.run(dir, csv, rows));
          r.api.push(await apiImport(r.dialect, dir, csv, rows, warmUp, nodeOptions));
        }
        const a = r.api[i]!;
        console.log(
          `round ${i + 1} ${r.dialect}: API ${fmt(a.seconds)} s, CPU ${fmt(a.cpu)} s (peak RSS ${a.peakRssMb.toFixed(0)} MB), ${ref.name} ${fmt(r.ref[i]!.seconds)} s` +
            `${r.ref[i]!.cpu === null ? '' : `, CPU ${fmt(r.ref[i]!.cpu!)} s`}, ratio ${fmt(a.seconds / r.ref[i]!.seconds)}; load ${load()}`,
        );
      }
    }
    const loadAfter = load();

    // `--rounds 0 --big N`: only the big import's memory, in a section of its own.
    const lines =
      rounds === 0
        ? [
            `## POST /simcards/bulk: peak RSS of a ${big.toLocaleString('en')}-row import`,
            '',
            `Run: ${new Date().toISOString().slice(0, 16)}Z, ${machine()}; load average before ${loadBefore}. The main API in its own process on a freshly migrated database, warmed up by one 2,000-row import; peak RSS is its VmHWM from start-up on. Its V8 flags: ${nodeOptions || 'none (the defaults)'}.`,
            '',
          ]
        : [
            `## POST /simcards/bulk: ${rows.toLocaleString('en')}-row CSV vs the database's own CLI bulk load`,
            '',
            `Run: ${new Date().toISOString().slice(0, 16)}Z, ${machine()}, ${versions.join(', ')}; load average before ${loadBefore}, after ${loadAfter} (a shared machine: figures measured under high load are not a verdict).`,
            `${rounds} rounds; in each, the API and the reference on their own freshly migrated database, which one goes first alternating; per-round ratios, their median and spread.`,
            `File: iccid, msisdn, operator, tariff, price (${csvMb.toFixed(1)} MB, comma-separated, all rows valid).`,
            'API: wall time of one `POST /simcards/bulk` (upload spooled to disk, streamed parse, every row validated; SQLite: valid rows staged meanwhile into a temporary table on a connection held for the import, one multi-row INSERT per chunk, then one transaction: one INSERT … SELECT; PostgreSQL: valid rows spooled, then one transaction: one COPY FROM STDIN into the stage and one INSERT … SELECT; report); the main API in its own process, started on the fresh database and warmed up by one 2,000-row import.',
            `The main API's V8 flags: ${nodeOptions || 'none (the defaults)'}.`,
            '',
            ...results.flatMap((r) => section(r, rows, csvMb)),
          ];

    if (big > 0) {
      const bigCsv = join(dir, 'big.csv');
      await writeCsv(bigCsv, big);
      const bigMb = statSync(bigCsv).size / 1024 / 1024;
      rmSync(csv);
      for (const dialect of dialects) {
        const run = await apiImport(dialect, dir, bigCsv, big, warmUp, nodeOptions);
        const firstHalf = Math.max(...run.rssByTenth.slice(0, 5));
        const secondHalf = Math.max(...run.rssByTenth.slice(5));
        console.log(`${big} rows ${dialect}: API ${fmt(run.seconds)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB; load ${load()}`);
        lines.push(
          `${big.toLocaleString('en')} rows (${bigMb.toFixed(0)} MB) on ${dialect}: API ${fmt(run.seconds)} s; peak RSS of the main API process **${run.peakRssMb.toFixed(0)} MB** (goal ≤ 250 MB: ${run.peakRssMb <= 250 ? 'met' : 'NOT met'}); ` +
            `largest RSS sample (every 100 ms) in each tenth of its time, MB: ${run.rssByTenth.map((m) => m.toFixed(0)).join(', ')} ` +
            `(first half max ${firstHalf.toFixed(0)}, second half max ${secondHalf.toFixed(0)}). Load average after: ${load()}.`,
          '',
        );
      }
    }
    const table = lines.join('\n');
    console.log(`\n${table}\n`);
    writeSection(rounds === 0 ? 'import-csv-big' : 'import-csv', table);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
