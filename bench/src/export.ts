/**
 * `GET /simcards/export?raw=true&format=csv` (the API dump, comparable with a database's own CSV)
 * beside the database's command-line CSV of the same rows and columns, on SQLite and PostgreSQL
 * (issue 14, goal 5: ≤ 2×):
 * - SQLite: `sqlite3 -csv -header` running the export's SELECT (the shop's code and name joined);
 * - PostgreSQL: `psql` running `\copy (the same SELECT) TO STDOUT WITH (FORMAT csv, HEADER)`.
 * Both write to a pipe that is read and thrown away; the API's answer is read over HTTP the same
 * way. Interleaved rounds (which side goes first alternates), per-round ratios, median and
 * spread, load average; on SQLite also CPU time, API process vs shell (GNU time), which the load of
 * a shared machine disturbs far less than wall time. `--xlsx-rows N` adds, on SQLite, the XLSX export of N rows (raw and for
 * people) with the API process's RSS before and its peak during it (goal: 1M rows add ≤ 60 MB).
 *
 *   npm run bench -- export [--rows 100000] [--rounds 5] [--dialects sqlite,postgres]
 *     [--xlsx-rows 1000000 [--xlsx-db /tmp/x.sqlite] [--xlsx-kinds raw,people] [--xlsx-runs 2]]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TokenService } from '@simcard/common';
import { createDatabase, migrateToLatest } from '@simcard/db';
import knex from 'knex';
import { download, measure, serverPid } from './assign-export.js';
import { addBenchAdmin as addAdmin, BENCH_JWT_SECRET, benchEnv, machine, median, startServer, writeSection } from './harness.js';
import { seedSqlite } from './seed.js';

type Dialect = 'sqlite' | 'postgres';
/**
 * The sqlite3 shell: the schema's FTS5 table (contentless_delete) needs SQLite ≥ 3.43, newer than
 * Debian 12's CLI (3.40). Build one from the amalgamation node-sqlite3 ships, the version the API runs:
 * tar xzf node_modules/sqlite3/deps/sqlite-autoconf-*.tar.gz && gcc -O2 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_MATH_FUNCTIONS shell.c sqlite3.c -lpthread -ldl -lm -o sqlite3
 */
const SQLITE3 = process.env.SQLITE3_CLI ?? 'sqlite3';
const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_SCHEMA = 'bench_export';

/** The export's columns, as the reference selects them. */
const SELECT = `SELECT s.id, s.iccid, s.msisdn, s.operator, s.tariff, s.price, s.batch_id, s.status, s.provider_status, s.shop_id,
  sh.code AS shop_code, sh.name AS shop_name, s.assigned_at, s.activated_at, s.sold_at, s.last_checked_at, s.last_check_error,
  s.notes, s.created_at, s.updated_at FROM simcards s LEFT JOIN shops sh ON sh.id = s.shop_id ORDER BY s.id`;

/** A database of `rows` SIMs in 20 shops; answers its DATABASE_URL. */
async function seeded(dialect: Dialect, dir: string, rows: number): Promise<string> {
  if (dialect === 'sqlite') {
    const file = join(dir, `export-${rows}.sqlite`);
    await seedSqlite(file, rows);
    const db = createDatabase({ client: 'sqlite', filename: file });
    await addAdmin(db);
    await db.destroy();
    return `sqlite:${file}`;
  }
  const root = knex({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } });
  await root.raw('drop schema if exists ?? cascade', [PG_SCHEMA]);
  await root.destroy();
  const db = createDatabase({ client: 'postgres', connectionString: PG_BASE, schema: PG_SCHEMA });
  await migrateToLatest(db);
  await addAdmin(db);
  const at = new Date().toISOString();
  await db.raw(
    `insert into shops (name, code, is_active, created_at, updated_at) select 'Shop ' || i, 'S' || i, true, ?, ? from generate_series(1, 20) i`,
    [at, at],
  );
  // The same rows as seedSqlite: a third each in stock, assigned and sold (status only), batches of 1,000.
  await db.raw(
    `insert into simcards (iccid, msisdn, operator, price, batch_id, shop_id, status, assigned_at, created_at, updated_at)
     select '8999801' || lpad(i::text, 12, '0'), '+99890' || lpad(i::text, 7, '0'), 'beeline', 15000, 'B' || ceil(i / 1000.0)::int,
            case when i % 3 = 0 then null else i % 20 + 1 end,
            (array['in_stock', 'assigned', 'sold'])[i % 3 + 1], case when i % 3 = 0 then null else ?::timestamptz end, ?, ?
     from generate_series(1, ?) i`,
    [at, at, at, rows],
  );
  await db.raw('analyze simcards');
  await db.destroy();
  return `${PG_BASE}?schema=${PG_SCHEMA}`;
}

/** GNU time, to read the reference's CPU time (user + system) where it is installed. */
const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command, reads its stdout to the end (thrown away) and answers seconds and bytes, and
 * the command's CPU seconds when GNU time is there to tell them (`cpuFile`: where it writes them).
 */
function timed(command: string, args: string[], cpuFile?: string): Promise<{ seconds: number; bytes: number; cpu: number | null }> {
  const withTime = cpuFile !== undefined && existsSync(GNU_TIME);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = withTime
      ? spawn(GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${command} exited with ${code}`));
      const cpu = withTime
        ? readFileSync(cpuFile, 'utf8')
            .trim()
            .split(/\s+/)
            .map(Number)
            .reduce((a, b) => a + b, 0)
        : null;
      resolve({ seconds: (performance.now() - started) / 1000, bytes, cpu });
    });
  });
}

/** A process's CPU seconds so far (user + system, all its threads), from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function reference(dialect: Dialect, url: string, cpuFile: string): Promise<{ seconds: number; bytes: number; cpu: number | null }> {
  if (dialect === 'sqlite') return timed(SQLITE3, ['-csv', '-header', url.slice('sqlite:'.length), SELECT], cpuFile);
  return timed('psql', [
    '-X',
    '-q',
    PG_BASE,
    '-c',
    `SET search_path TO ${PG_SCHEMA}`,
    '-c',
    `\\copy (${SELECT}) TO STDOUT WITH (FORMAT csv, HEADER)`,
  ]);
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

interface Round {
  api: number;
  ref: number;
  apiBytes: number;
  refBytes: number;
  /** SQLite: CPU seconds of the API process and of the sqlite3 shell (null without GNU time); each does all of the database's work. */
  apiCpu: number | null;
  refCpu: number | null;
}

async function csvRounds(
  dialect: Dialect,
  dir: string,
  rows: number,
  rounds: number,
): Promise<{ rounds: Round[]; peakMb: number; beforeMb: number }> {
  const url = await seeded(dialect, dir, rows);
  const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0' }));
  const token = new TokenService(BENCH_JWT_SECRET, 3600).issue(1, 0).token;
  const exportUrl = `${api.url}/simcards/export?raw=true&format=csv`;
  try {
    const pid = serverPid(api.child.pid!);
    // Warm-up: the first export loads modules and fills caches (a real server is long-running).
    await download(`${exportUrl}&batch_id=B1`, token);
    const result: Round[] = [];
    const peaks: number[] = [];
    const befores: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const runApi = async () => {
        let got = { rows: 0, bytes: 0 };
        const cpuBefore = cpuSeconds(pid);
        const m = await measure(pid, async () => void (got = await download(exportUrl, token)));
        const cpu = cpuSeconds(pid) - cpuBefore;
        if (got.rows !== rows) throw new Error(`the API exported ${got.rows} rows, expected ${rows}`);
        peaks.push(m.peakMb);
        befores.push(m.beforeMb);
        return { seconds: m.seconds, bytes: got.bytes, cpu };
      };
      const ref = () => reference(dialect, url, join(dir, 'reference-cpu.txt'));
      const first = i % 2 === 0 ? await runApi() : await ref();
      const second = i % 2 === 0 ? await ref() : await runApi();
      const [a, r] = i % 2 === 0 ? [first, second] : [second, first];
      // PostgreSQL's work is done in its server process, counted on neither side: CPU is compared on SQLite only.
      const cpus = dialect === 'sqlite' && r.cpu !== null ? { apiCpu: a.cpu, refCpu: r.cpu } : { apiCpu: null, refCpu: null };
      result.push({ api: a.seconds, ref: r.seconds, apiBytes: a.bytes, refBytes: r.bytes, ...cpus });
      const cpuNote = cpus.refCpu !== null ? `; CPU API ${fmt(cpus.apiCpu!)} s, reference ${fmt(cpus.refCpu)} s` : '';
      console.log(
        `round ${i + 1} ${dialect}: API ${fmt(a.seconds)} s, reference ${fmt(r.seconds)} s, ratio ${fmt(a.seconds / r.seconds)}${cpuNote}; load ${load()}`,
      );
    }
    return { rounds: result, peakMb: Math.max(...peaks), beforeMb: median(befores) };
  } finally {
    await api.stop();
    if (dialect === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(url.slice('sqlite:'.length) + suffix, { force: true });
  }
}

/** The two kinds of XLSX file measured. */
const XLSX_KINDS = {
  raw: ['API dump (`raw=true`)', 'raw=true&format=xlsx'],
  people: ['for people (the default: styles, dates, widths)', 'format=xlsx&lang=en'],
} as const;
type XlsxKind = keyof typeof XLSX_KINDS;

/**
 * XLSX of `rows` SIMs (SQLite): `runs` runs of each kind, the kinds alternating, each run in a
 * fresh API process after one small export of the same kind (modules loaded, caches warm), with
 * the process's RSS before and its peak during it. `dbFile`: a seeded database to reuse (seeded
 * there when missing: seeding 1,000,000 rows takes minutes).
 */
async function xlsxMemory(dir: string, rows: number, dbFile: string | undefined, kinds: XlsxKind[], runs: number): Promise<string[]> {
  let url: string;
  if (dbFile && existsSync(dbFile)) url = `sqlite:${dbFile}`;
  else {
    url = await seeded('sqlite', dir, rows);
    if (dbFile) {
      renameSync(url.slice('sqlite:'.length), dbFile);
      url = `sqlite:${dbFile}`;
    }
  }
  const token = new TokenService(BENCH_JWT_SECRET, 3600).issue(1, 0).token;
  const lines: string[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      for (const kind of kinds) {
        const [name, query] = XLSX_KINDS[kind];
        const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0' }));
        try {
          const pid = serverPid(api.child.pid!);
          await download(`${api.url}/simcards/export?${query}&batch_id=B1`, token);
          const loadBefore = load();
          let bytes = 0;
          const m = await measure(pid, async () => void ({ bytes } = await download(`${api.url}/simcards/export?${query}`, token)));
          const added = m.peakMb - m.beforeMb;
          console.log(
            `xlsx ${name}, run ${run}: ${fmt(m.seconds)} s, ${fmt(bytes / 2 ** 20, 0)} MB, RSS before ${fmt(m.beforeMb, 0)} MB, peak ${fmt(m.peakMb, 0)} MB (+${fmt(added, 0)}); load ${loadBefore} → ${load()}`,
          );
          lines.push(
            `| XLSX, ${name}, run ${run} | ${fmt(m.seconds, 1)} s | ${fmt(bytes / 2 ** 20, 0)} MB | ${fmt(m.beforeMb, 0)} MB | ${fmt(m.peakMb, 0)} MB | **+${fmt(added, 0)} MB** (goal ≤ 60: ${added <= 60 ? 'met' : 'NOT met'}) | ${loadBefore} → ${load()} |`,
          );
        } finally {
          await api.stop();
        }
      }
    }
    return lines;
  } finally {
    if (!dbFile) for (const suffix of ['', '-wal', '-shm']) rmSync(url.slice('sqlite:'.length) + suffix, { force: true });
  }
}

export async function benchExport(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '5' },
      dialects: { type: 'string', default: 'sqlite,postgres' },
      'xlsx-rows': { type: 'string', default: '0' },
      // A seeded SQLite file for the XLSX figure, kept between runs (seeded there when missing).
      'xlsx-db': { type: 'string' },
      // Which files (raw, people) and how many runs of each, alternating.
      'xlsx-kinds': { type: 'string', default: 'raw,people' },
      'xlsx-runs': { type: 'string', default: '1' },
    },
  });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  const xlsxRows = Number(values['xlsx-rows']);
  const dialects = values.dialects.split(',').filter(Boolean) as Dialect[];
  const versions = [
    dialects.includes('sqlite') ? `sqlite3 CLI ${spawnSync(SQLITE3, ['-version'], { encoding: 'utf8' }).stdout.split(' ')[0]}` : '',
    dialects.includes('postgres') ? spawnSync('psql', ['--version'], { encoding: 'utf8' }).stdout.trim() : '',
  ].filter(Boolean);
  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-export-'));
  const loadBefore = load();
  try {
    // `--rounds 0 --xlsx-rows N`: only the XLSX memory figure, in a section of its own.
    const lines: string[] = [];
    if (rounds > 0) {
      lines.push(
        `## CSV export of ${rows.toLocaleString('en')} SIMs vs the database's own CSV`,
        '',
        `Run: ${new Date().toISOString().slice(0, 16)}Z, ${machine()}, ${versions.join(', ')}; load average before ${loadBefore}, after {AFTER} (2 cores shared with other sessions: figures under high load are not a verdict).`,
        `${rounds} rounds against one seeded database per dialect; the API (its own process, warmed up by one small export) and the reference alternate, which goes first alternating; per-round ratios, their median and spread.`,
        'API: `GET /simcards/export?raw=true&format=csv` read to the end over HTTP (the API dump; the default file for people translates headers and statuses and writes local dates). ' +
          'Reference: the same 20 columns and rows (shops joined) as CSV with a header, written to a pipe and read to the end — SQLite: `sqlite3 -csv -header db "SELECT …"`; PostgreSQL: `psql -c "\\copy (SELECT …) TO STDOUT WITH (FORMAT csv, HEADER)"`; process start to exit.',
        '',
        '| | API s (median) | reference s (median) | per-round ratios | ratio median (spread) | goal ≤ 2× | API peak RSS |',
        '| --- | ---: | ---: | --- | --- | --- | ---: |',
      );
      const cpuLines: string[] = [];
      for (const dialect of dialects) {
        const r = await csvRounds(dialect, dir, rows, rounds);
        const ratios = r.rounds.map((x) => x.api / x.ref);
        const ratio = median(ratios);
        lines.push(
          `| ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${fmt(median(r.rounds.map((x) => x.api)))} | ${fmt(median(r.rounds.map((x) => x.ref)))} | ${ratios.map((x) => fmt(x)).join(', ')} | **${fmt(ratio)}×** (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}) | ${ratio <= 2 ? 'met' : 'NOT met'} | ${fmt(r.peakMb, 0)} MB (before ${fmt(r.beforeMb, 0)}) |`,
        );
        const withCpu = r.rounds.filter((x) => x.apiCpu !== null && x.refCpu !== null && x.refCpu > 0);
        if (withCpu.length > 0) {
          const cpuRatios = withCpu.map((x) => x.apiCpu! / x.refCpu!);
          cpuLines.push(
            `CPU time on SQLite (less sensitive to the machine's load than wall time; the API process, all its threads, from /proc, vs the sqlite3 shell, from GNU time; each does all of the database's work, the HTTP client and the pipe's reader counted on neither side): API ${fmt(median(withCpu.map((x) => x.apiCpu!)))} s, reference ${fmt(median(withCpu.map((x) => x.refCpu!)))} s (medians); per-round ratios ${cpuRatios.map((x) => fmt(x)).join(', ')}; **${fmt(median(cpuRatios))}×** (${fmt(Math.min(...cpuRatios))}–${fmt(Math.max(...cpuRatios))}).`,
          );
        }
      }
      if (cpuLines.length > 0) lines.push('', ...cpuLines);
    }
    if (xlsxRows > 0) {
      lines.push(
        ...(rounds > 0 ? [''] : [`## XLSX export of ${xlsxRows.toLocaleString('en')} SIMs: memory`, '']),
        `Run: ${new Date().toISOString().slice(0, 16)}Z, ${machine()}; load average before ${loadBefore}, after {AFTER}. SQLite; the sheet XML (the API dump's rows written by the database, one string a page; the people's file's written from each page of rows as it is read) deflated into a streamed zip (services/main-api/src/services/xlsx-writer.ts), paced by the client. Each run in a fresh API process (\`tsx\`), after one small export of the same kind; RSS of the API process (VmHWM reset before the export through /proc/<pid>/clear_refs, and sampled every 50 ms):`,
        '',
        '| | time | file | RSS before | peak RSS during | added | load before → after |',
        '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
        ...(await xlsxMemory(
          dir,
          xlsxRows,
          values['xlsx-db'],
          values['xlsx-kinds'].split(',').filter(Boolean) as XlsxKind[],
          Number(values['xlsx-runs']),
        )),
      );
    }
    const table = lines.join('\n').replaceAll('{AFTER}', load());
    console.log(`\n${table}\n`);
    writeSection(rounds > 0 ? 'export' : 'export-xlsx', table);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
