/**
 * A 100,000-row operator activation report (`POST /activation-reports`) beside the SIM import of
 * the same SIMs (`POST /simcards/bulk`), on one fresh database per round and variant: a main API
 * process imports the SIMs into a shop (timed, its peak RSS), stops; a second, fresh process
 * brings in the report that sells every one of them (timed, its peak RSS). Each process is first
 * warmed up by the same operation on 2,000 other SIMs. Goal: the report ≤ 1.5× the import.
 *
 * `--before <dir>`: a second tree of the project (e.g. `git archive HEAD` unpacked, with a
 * node_modules whose @simcard links point into it) measured in the same run, its rounds
 * interleaved with this tree's (alternating which goes first), each against its own import.
 *
 * `--out FILE`: the sections go to FILE instead of bench/RESULTS.md.
 *
 *   npm run bench -- activation-report [--rows 100000] [--rounds 3] [--dialects sqlite,postgres] [--before /tmp/before] [--out file.md]
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { appendCheckDigit, TokenService } from '@simcard/common';
import { createDatabase, type Db, migrateToLatest } from '@simcard/db';
import knex from 'knex';
import { addBenchAdmin, BENCH_JWT_SECRET, benchEnv, machine, median, peakRssMb, serverPid, startServer, writeSection } from './harness.js';

type Dialect = 'sqlite' | 'postgres';
const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_SCHEMA = 'bench_activation_report';
/** The main API's connections are named so that their PostgreSQL backends' CPU time can be read. */
const PG_APP = 'bench_activation_report';
const HERE = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

const OPERATORS = [
  ['beeline', '90'],
  ['ucell', '93'],
  ['uzmobile', '99'],
  ['mobiuz', '97'],
] as const;

const iccidOf = (i: number) => appendCheckDigit(`8999804${String(i).padStart(11, '0')}`);
const msisdnOf = (i: number) => `+998${OPERATORS[i % 4]![1]}${String(i).padStart(7, '0')}`;

async function write(path: string, header: string, rows: number, first: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let i = first; i < first + rows; i++) {
    if (!out.write(`${line(i)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

const simsCsv = (path: string, rows: number, first: number) =>
  write(path, 'iccid,msisdn,operator,tariff,price', rows, first, (i) => `${iccidOf(i)},${msisdnOf(i)},${OPERATORS[i % 4]![0]},Start,15000`);

/** The operator's words: Russian headers, semicolons; activated now (after the SIMs reached the shop). */
function reportCsv(path: string, rows: number, first: number): Promise<void> {
  const at = new Date().toISOString();
  return write(
    path,
    'ICCID;Дата активации;Номер телефона;Оператор;Тариф',
    rows,
    first,
    (i) => `${iccidOf(i)};${at};${msisdnOf(i)};${OPERATORS[i % 4]![0]};Start`,
  );
}

async function post(url: string, path: string, csv: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${new TokenService(BENCH_JWT_SECRET, 3600).issue(1, 0).token}`,
      'content-type': 'text/csv',
      'content-length': String(statSync(csv).size),
    },
    body: ReadableStream.from(createReadStream(csv)),
    duplex: 'half',
  } as RequestInit);
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** A fresh database migrated by the tree `root`'s own migrations, with the bench admin and shop 1; answers its DATABASE_URL. */
async function freshDatabase(root: string, dialect: Dialect, dir: string, tag: string): Promise<string> {
  let url: string;
  let db: Db;
  if (dialect === 'sqlite') {
    const file = join(dir, `db-${tag}.sqlite`);
    url = `sqlite:${file}`;
    db = createDatabase({ client: 'sqlite', filename: file });
  } else {
    const root0 = knex({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } });
    await root0.raw('drop schema if exists ?? cascade', [PG_SCHEMA]);
    await root0.destroy();
    url = `${PG_BASE}?schema=${PG_SCHEMA}&application_name=${PG_APP}`;
    db = createDatabase({ client: 'postgres', connectionString: PG_BASE, schema: PG_SCHEMA });
  }
  if (root === HERE) await migrateToLatest(db);
  else {
    const r = spawnSync(TSX, [join(root, 'db/src/cli/migrate.ts'), 'up'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`migrations of ${root}: ${r.stderr}`);
  }
  await addBenchAdmin(db);
  const at = new Date().toISOString();
  await db('shops').insert({ id: 1, name: 'Bench shop', code: 'BENCH', created_at: at, updated_at: at });
  if (dialect === 'postgres') {
    await db.raw(`select setval(pg_get_serial_sequence('users', 'id'), 1)`);
    await db.raw(`select setval(pg_get_serial_sequence('shops', 'id'), 1)`);
  }
  await db.destroy();
  return url;
}

/** CPU seconds (user + system) a process has used so far (Linux, 100 clock ticks a second). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // ended meanwhile
  }
}

/**
 * CPU seconds used so far by the process and, on PostgreSQL, by the backends of its connections
 * (the server runs on this machine). On a loaded machine a request's time mostly measures the
 * wait for a core; its CPU time is the work it did.
 */
async function cpuOf(pid: number, pg: knex.Knex | null): Promise<Map<number, number>> {
  const pids = [pid];
  if (pg) {
    const rows = (await pg.raw('select pid from pg_stat_activity where application_name = ?', [PG_APP])) as {
      rows: Array<{ pid: number }>;
    };
    pids.push(...rows.rows.map((r) => r.pid));
  }
  return new Map(pids.map((p) => [p, cpuSeconds(p)]));
}

/** One process: the warm-up, then the timed request. */
async function timed(
  root: string,
  url: string,
  pg: knex.Knex | null,
  warm: () => [string, string],
  run: () => [string, string],
): Promise<{ seconds: number; cpu: number; body: Record<string, unknown>; peakMb: number }> {
  const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0' }), root);
  try {
    const pid = serverPid(api.child.pid!);
    await post(api.url, ...warm());
    const cpuBefore = await cpuOf(pid, pg);
    const started = performance.now();
    const body = await post(api.url, ...run());
    const seconds = (performance.now() - started) / 1000;
    let cpu = 0;
    for (const [p, after] of await cpuOf(pid, pg)) cpu += after - (cpuBefore.get(p) ?? 0);
    return { seconds, cpu, body, peakMb: peakRssMb(pid) };
  } finally {
    await api.stop();
  }
}

interface Run {
  importS: number;
  reportS: number;
  /** CPU seconds of the request: the main API process, and on PostgreSQL its backends too. */
  importCpu: number;
  reportCpu: number;
  importMb: number;
  reportMb: number;
  load: number;
}

export async function benchActivationReport(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '3' },
      dialects: { type: 'string', default: 'sqlite' },
      before: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  const dialects = values.dialects.split(',') as Dialect[];
  const variants: Array<[string, string]> = [['this tree', HERE]];
  if (values.before) variants.push(['before', values.before]);
  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-activation-'));
  const WARM = 2000;
  const WARM_FIRST = 9_000_000;
  const loadStart = loadavg();
  const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  try {
    const sims = join(dir, 'sims.csv');
    const warmSims = join(dir, 'warm-sims.csv');
    await simsCsv(sims, rows, 1);
    await simsCsv(warmSims, WARM, WARM_FIRST);
    for (const dialect of dialects) {
      const runs = new Map<string, Run[]>(variants.map(([name]) => [name, []]));
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const [name, root] of order) {
          const load = loadavg()[0]!;
          const url = await freshDatabase(root, dialect, dir, `${round}-${name.replace(/\W/g, '')}`);
          const pg = dialect === 'postgres' ? knex({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } }) : null;
          const imported = await timed(
            root,
            url,
            pg,
            () => ['/simcards/bulk?shop_id=1', warmSims],
            () => ['/simcards/bulk?shop_id=1', sims],
          );
          if (imported.body.inserted !== rows) throw new Error(`import: ${JSON.stringify(imported.body).slice(0, 300)}`);
          const report = join(dir, `report-${round}.csv`);
          const warmReport = join(dir, `warm-report-${round}.csv`);
          await reportCsv(report, rows, 1);
          await reportCsv(warmReport, WARM, WARM_FIRST);
          const reported = await timed(
            root,
            url,
            pg,
            () => ['/activation-reports', warmReport],
            () => ['/activation-reports', report],
          );
          await pg?.destroy();
          if (reported.body.sold !== rows || reported.body.discrepancy_count !== 0)
            throw new Error(`report: ${JSON.stringify(reported.body).slice(0, 400)}`);
          runs.get(name)!.push({
            importS: imported.seconds,
            reportS: reported.seconds,
            importCpu: imported.cpu,
            reportCpu: reported.cpu,
            importMb: imported.peakMb,
            reportMb: reported.peakMb,
            load,
          });
          console.log(
            `${dialect} round ${round + 1} ${name}: import ${imported.seconds.toFixed(2)} s (peak ${imported.peakMb.toFixed(0)} MB), report ${reported.seconds.toFixed(2)} s (peak ${reported.peakMb.toFixed(0)} MB), ratio ${(reported.seconds / imported.seconds).toFixed(2)}×; CPU import ${imported.cpu.toFixed(2)} s, report ${reported.cpu.toFixed(2)} s, ratio ${(reported.cpu / imported.cpu).toFixed(2)}×; load ${load.toFixed(2)}`,
          );
          if (url.startsWith('sqlite:')) for (const suffix of ['', '-wal', '-shm']) rmSync(url.slice(7) + suffix, { force: true });
        }
      }
      // Written as each dialect finishes (a long PostgreSQL run cut short keeps the SQLite figures).
      const loadNow = loadavg();
      const text = [
        `## POST /activation-reports: a ${rows.toLocaleString('en')}-row operator report vs the SIM import of the same SIMs (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
        '',
        `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine()}; ${rounds} rounds per variant, interleaved (the first variant alternating), each on a fresh migrated database; load average (1/5/15 min) ${fmtLoad(loadStart)} at the start, ${fmtLoad(loadNow)} at the end (the 2 cores are shared with other work).`,
        `Import: \`POST /simcards/bulk?shop_id=1\` of ${rows.toLocaleString('en')} SIMs (iccid, msisdn, operator, tariff, price). Report: \`POST /activation-reports\` of the same ${rows.toLocaleString('en')} ICCIDs (Russian headers, semicolons, ISO dates, MSISDN, operator, tariff): every SIM becomes sold, credited and commissioned, one live-feed log row each, no discrepancy.`,
        'Each measured in its own fresh main API process, warmed up by the same request on 2,000 other SIMs; peak RSS is the process\u2019s VmHWM from start-up on. The ratio is the report\u2019s time over the import\u2019s in the same round and variant. CPU: user + system seconds of the request, the main API process and (PostgreSQL) its connections\u2019 backends: what the request did, less distorted by a loaded machine than its time.',
        '',
        table(dialect, variants, runs),
      ].join('\n');
      console.log(`\n${text}\n`);
      // --out: the section goes to that file instead of bench/RESULTS.md (a trial run, as the phone bench's).
      if (values.out) {
        mkdirSync(join(values.out, '..'), { recursive: true });
        appendFileSync(values.out, `${text}\n\n`);
      } else writeSection(dialect === 'sqlite' ? 'activation-report' : `activation-report-postgres-${rows}`, text);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(dialect: Dialect, variants: Array<[string, string]>, runs: Map<string, Run[]>): string {
  const fmt = (n: number) => n.toFixed(2);
  const spread = (v: number[]) => `${fmt(Math.min(...v))}–${fmt(Math.max(...v))}`;
  const lines = [
    `**${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}**`,
    '',
    '| variant | import s (median) | report s (median) | report/import per round | ratio median (spread) | CPU s import / report (median) | CPU ratio per round | CPU ratio median | peak RSS import / report (MB, max) | load per round |',
    '| --- | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | --- |',
  ];
  for (const [name] of variants) {
    const r = runs.get(name)!;
    const ratios = r.map((x) => x.reportS / x.importS);
    const cpuRatios = r.map((x) => x.reportCpu / x.importCpu);
    lines.push(
      `| ${name} | ${fmt(median(r.map((x) => x.importS)))} | ${fmt(median(r.map((x) => x.reportS)))} | ${ratios.map(fmt).join(', ')} | **${fmt(median(ratios))}×** (${spread(ratios)}) | ${fmt(median(r.map((x) => x.importCpu)))} / ${fmt(median(r.map((x) => x.reportCpu)))} | ${cpuRatios.map(fmt).join(', ')} | ${fmt(median(cpuRatios))}× | ${Math.max(...r.map((x) => x.importMb)).toFixed(0)} / ${Math.max(...r.map((x) => x.reportMb)).toFixed(0)} | ${r.map((x) => x.load.toFixed(1)).join(', ')} |`,
    );
  }
  const mine = runs.get(variants[0]![0])!;
  const ratio = median(mine.map((x) => x.reportS / x.importS));
  const rss = Math.max(...mine.map((x) => x.reportMb)) / Math.max(...mine.map((x) => x.importMb));
  lines.push(
    '',
    `Goal (report ≤ 1.5× the import, time and peak RSS), this tree: time ${fmt(ratio)}× ${ratio <= 1.5 ? 'met' : 'NOT met'}; peak RSS ${fmt(rss)}× ${rss <= 1.5 ? 'met' : 'NOT met'}.`,
  );
  if (variants.length > 1) {
    const before = runs.get(variants[1]![0])!;
    const perRound = mine.map((x, i) => before[i]!.reportS / x.reportS);
    lines.push(`Report time, before over this tree, per round: ${perRound.map(fmt).join(', ')} (median ${fmt(median(perRound))}×).`);
    const cpuPerRound = mine.map((x, i) => before[i]!.reportCpu / x.reportCpu);
    lines.push(
      `Report CPU time, before over this tree, per round: ${cpuPerRound.map(fmt).join(', ')} (median ${fmt(median(cpuPerRound))}×).`,
    );
  }
  return lines.join('\n');
}
