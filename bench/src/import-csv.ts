/**
 * A 100,000-row CSV through `POST /simcards/bulk` beside the `sqlite3` command-line tool's
 * `.import` of the same rows into the same schema (staged, then inserted with the same column
 * values), in one run, alternating repetitions, each on a fresh database; medians and the ratio
 * (goal ≤ 2×). The main API runs as its own process and its peak RSS (VmHWM) is read from /proc
 * (goal ≤ 300 MB). A 1,000,000-row file then shows whether RSS grows with the file.
 *
 *   npm run bench -- import-csv [--rows 100000] [--rounds 3] [--big 1000000]
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appendCheckDigit, TokenService } from '@simcard/common';
import { createDatabase, migrateToLatest } from '@simcard/db';
import { BENCH_JWT_SECRET, benchEnv, machine, median, startServer, writeSection } from './harness.js';

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

/** A migrated database; with `admin`, an admin (id 1) who never signs in (see `adminToken`). */
async function migratedDatabase(file: string, admin = false): Promise<void> {
  const db = createDatabase({ client: 'sqlite', filename: file });
  await migrateToLatest(db);
  if (admin) {
    const at = new Date().toISOString();
    await db('users').insert({ id: 1, username: 'admin', password_hash: 'unusable', role: 'admin', is_active: true, created_at: at, updated_at: at });
  }
  await db.destroy();
}

/**
 * A token minted here with the server's secret: signing in would run scrypt (128 MB at N=2^17)
 * inside the server and its peak RSS would be the login's, not the import's.
 */
function adminToken(): string {
  return new TokenService(BENCH_JWT_SECRET, 3600).issue(1, 0).token;
}

/**
 * The server's own pid: `startServer` runs the `tsx` wrapper, which runs the server as its child,
 * and the wrapper's memory is not the server's.
 */
function serverPid(wrapperPid: number): number {
  const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected the tsx wrapper to have one child, found ${children.length}`);
  return Number(children[0]);
}

/** Peak resident set size of a process so far, in MB (Linux). */
function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

interface ApiRun {
  seconds: number;
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
async function apiImport(dir: string, csv: string, rows: number, warmUp: string): Promise<ApiRun> {
  const file = join(dir, `api-${Date.now()}.sqlite`);
  await migratedDatabase(file, true);
  const api = await startServer('main-api', benchEnv(`sqlite:${file}`, { MAIN_API_PORT: '0' }));
  try {
    const pid = serverPid(api.child.pid!);
    const token = adminToken();
    const warm = await postCsv(api.url, token, warmUp);
    if (warm.status !== 200) throw new Error(`warm-up import failed: ${warm.status} ${await warm.text()}`);
    const idleRssMb = rssMb(pid);
    const started = performance.now();
    const samples: { at: number; mb: number }[] = [];
    const sampler = setInterval(() => samples.push({ at: (performance.now() - started) / 1000, mb: rssMb(pid) }), 100);
    const res = await postCsv(api.url, token, csv);
    const report = (await res.json()) as { inserted?: number };
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (res.status !== 200 || report.inserted !== rows) throw new Error(`import failed: ${res.status} ${JSON.stringify(report).slice(0, 300)}`);
    return { seconds, idleRssMb, peakRssMb: peakRssMb(pid), rssByTenth: byTenth(samples, seconds) };
  } finally {
    await api.stop();
    rmSync(file, { force: true });
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
  }
}

/** The CLI's `.import` into a staging table, then the same rows into `simcards`, in one transaction. */
async function cliImport(dir: string, csv: string, rows: number): Promise<number> {
  const file = join(dir, `cli-${Date.now()}.sqlite`);
  await migratedDatabase(file);
  const at = new Date().toISOString();
  const script = [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA synchronous = NORMAL;',
    'BEGIN;',
    '.import --csv --skip 1 ' + csv + ' staging',
    `INSERT INTO simcards (iccid, msisdn, operator, tariff, price, batch_id, status, created_at, updated_at)
       SELECT iccid, msisdn, operator, tariff, CAST(price AS INTEGER), 'cli', 'in_stock', '${at}', '${at}' FROM staging;`,
    'DROP TABLE staging;',
    'COMMIT;',
    'SELECT count(*) FROM simcards;',
  ].join('\n');
  try {
    const started = performance.now();
    const result = spawnSync('sqlite3', ['-bail', file], { input: `CREATE TABLE staging (iccid TEXT, msisdn TEXT, operator TEXT, tariff TEXT, price TEXT);\n${script}\n`, encoding: 'utf8' });
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0 || !result.stdout.includes(String(rows))) throw new Error(`sqlite3 failed: ${result.stderr || result.stdout}`);
    return seconds;
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}

export async function benchImportCsv(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { rows: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' }, big: { type: 'string', default: '1000000' } },
  });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  const big = Number(values.big);
  if (spawnSync('sqlite3', ['-version']).status !== 0) throw new Error('the sqlite3 command-line tool is missing: apt-get install -y sqlite3');
  const cliVersion = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).stdout.split(' ')[0];

  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-import-'));
  try {
    const csv = join(dir, 'sims.csv');
    await writeCsv(csv, rows);
    const warmUp = join(dir, 'warm-up.csv');
    await writeCsv(warmUp, 2000, 9_000_000);
    const csvMb = statSync(csv).size / 1024 / 1024;
    console.log(`${rows} rows, ${csvMb.toFixed(1)} MB`);

    const apiRuns: ApiRun[] = [];
    const cliRuns: number[] = [];
    for (let i = 0; i < rounds; i++) {
      apiRuns.push(await apiImport(dir, csv, rows, warmUp));
      cliRuns.push(await cliImport(dir, csv, rows));
      console.log(`round ${i + 1}: API ${apiRuns[i]!.seconds.toFixed(2)} s (peak RSS ${apiRuns[i]!.peakRssMb.toFixed(0)} MB), sqlite3 CLI ${cliRuns[i]!.toFixed(2)} s`);
    }

    const bigCsv = join(dir, 'big.csv');
    await writeCsv(bigCsv, big);
    const bigMb = statSync(bigCsv).size / 1024 / 1024;
    rmSync(csv);
    const bigApi = await apiImport(dir, bigCsv, big, warmUp);
    const bigCli = await cliImport(dir, bigCsv, big);
    console.log(`${big} rows: API ${bigApi.seconds.toFixed(2)} s (peak RSS ${bigApi.peakRssMb.toFixed(0)} MB), sqlite3 CLI ${bigCli.toFixed(2)} s`);

    const apiS = median(apiRuns.map((r) => r.seconds));
    const cliS = median(cliRuns);
    const ratio = apiS / cliS;
    const peak = Math.max(...apiRuns.map((r) => r.peakRssMb));
    const idle = median(apiRuns.map((r) => r.idleRssMb));
    const growth = bigApi.peakRssMb - peak;
    const firstHalf = Math.max(...bigApi.rssByTenth.slice(0, 5));
    const secondHalf = Math.max(...bigApi.rssByTenth.slice(5));
    const fmt = (n: number) => n.toFixed(2);
    const table = [
      `## POST /simcards/bulk: ${rows.toLocaleString('en')}-row CSV vs the sqlite3 CLI's .import (SQLite)`,
      '',
      `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}, sqlite3 CLI ${cliVersion}; ${rounds} alternating repetitions, each on a fresh migrated database; medians.`,
      `File: iccid, msisdn, operator, tariff, price (${csvMb.toFixed(1)} MB, comma-separated, all rows valid).`,
      'API: wall time of one `POST /simcards/bulk` (upload spooled to disk, streamed parse, every row validated, one transaction, report); the main API in its own process, started on a fresh database and warmed up by one 2,000-row import.',
      'Reference: `sqlite3 -bail db` running `.import --csv` into a staging table, then `INSERT INTO simcards … SELECT` (same columns, same indexes) in one transaction, WAL + synchronous=NORMAL like the API; process start to exit.',
      '',
      '| | seconds (median) | rows/s | repetitions (s) |',
      '| --- | ---: | ---: | --- |',
      `| main API, POST /simcards/bulk | ${fmt(apiS)} | ${Math.round(rows / apiS).toLocaleString('en')} | ${apiRuns.map((r) => fmt(r.seconds)).join(', ')} |`,
      `| sqlite3 CLI .import | ${fmt(cliS)} | ${Math.round(rows / cliS).toLocaleString('en')} | ${cliRuns.map(fmt).join(', ')} |`,
      '',
      `**Ratio: ${ratio.toFixed(2)}×** the CLI's time (goal ≤ 2×): ${ratio <= 2 ? 'met' : 'NOT met'}.`,
      '',
      `Peak RSS of the main API process (VmHWM, from start-up on) with the ${rows.toLocaleString('en')}-row imports: **${peak.toFixed(0)} MB** at most (before the timed import: ${idle.toFixed(0)} MB; goal ≤ 300 MB): ${peak <= 300 ? 'met' : 'NOT met'}.`,
      '',
      `${big.toLocaleString('en')} rows (${bigMb.toFixed(0)} MB): API ${fmt(bigApi.seconds)} s (${Math.round(big / bigApi.seconds).toLocaleString('en')} rows/s), sqlite3 CLI ${fmt(bigCli)} s (${(bigApi.seconds / bigCli).toFixed(2)}×); peak RSS **${bigApi.peakRssMb.toFixed(0)} MB** (${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MB against the ${rows.toLocaleString('en')}-row file, for ${(big / rows).toFixed(0)}× the rows).`,
      `RSS during the ${big.toLocaleString('en')}-row import, largest sample (every 100 ms) in each tenth of its time, MB: ${bigApi.rssByTenth.map((m) => m.toFixed(0)).join(', ')}. ` +
        `First half max ${firstHalf.toFixed(0)} MB, second half max ${secondHalf.toFixed(0)} MB: ${secondHalf - firstHalf < 30 ? 'flat, RSS does not grow with the file (streamed parse, chunked writes; the swing is V8 garbage collection)' : 'RSS GROWS during the import'}.`,
    ].join('\n');
    console.log(`\n${table}\n`);
    writeSection('import-csv', table);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
