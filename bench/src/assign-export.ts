/**
 * Bulk assignment and export on a large SQLite database, through the real main API in a child
 * process:
 * - `POST /simcards/assign` of 50,000 SIMs by ICCID range (and `unassign` back), beside the same
 *   two set-based statements (INSERT … SELECT into assignment_logs, UPDATE simcards) run directly
 *   through `sqlite3` on the same rows — the floor any API could reach;
 * - `GET /simcards/export?format=csv` of every row (1,000,000), beside the `sqlite3` command-line
 *   tool writing the same rows as CSV, with the API process's peak RSS (VmHWM, reset before each
 *   export through /proc/<pid>/clear_refs) next to an export of ~3% of the rows: memory must not
 *   grow with the number of rows.
 *
 *   npm run bench -- assign-export [--rows 1000000] [--assign 50000] [--rounds 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sqlite3 from 'sqlite3';
import { BENCH_ADMIN_PASSWORD, benchEnv, machine, median, signIn, startServer, writeSection } from './harness.js';
import { seedSqlite } from './seed.js';

/** What `seed.ts` writes as the i-th SIM's ICCID (its id, on a fresh database). */
function seededIccid(db: sqlite3.Database, id: number): Promise<string> {
  return new Promise((resolve, reject) =>
    db.get('SELECT iccid FROM simcards WHERE id = ?', [id], (err, row: { iccid: string } | undefined) =>
      err || !row ? reject(err ?? new Error(`no SIM ${id}`)) : resolve(row.iccid),
    ),
  );
}

function exec(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
}

// --- memory of a process tree, from /proc ---

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** `tsx` runs the server in a child node process: the descendant holding the most memory is it. */
export function serverPid(launcherPid: number): number {
  const all: number[] = [launcherPid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]!));
  return all.reduce((best, pid) => (statusKb(pid, 'VmRSS') > statusKb(best, 'VmRSS') ? pid : best));
}

export interface Measured {
  seconds: number;
  peakMb: number;
  beforeMb: number;
}

/** Runs `work` with the process's peak RSS reset first, sampling RSS every 50 ms as a cross-check. */
export async function measure(pid: number, work: () => Promise<void>): Promise<Measured> {
  const beforeKb = statusKb(pid, 'VmRSS');
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  let sampled = 0;
  const timer = setInterval(() => (sampled = Math.max(sampled, statusKb(pid, 'VmRSS'))), 50);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakMb: Math.max(statusKb(pid, 'VmHWM'), sampled) / 1024, beforeMb: beforeKb / 1024 };
}

// --- the API calls ---

async function post(url: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/**
 * Downloads without keeping the body; answers the number of data rows (lines after the header,
 * meaningful for CSV) and of bytes.
 * A new connection each time: a pooled one left idle while the CLI runs can be closed by the
 * server's keep-alive timeout just as the next request goes out on it.
 */
export function download(url: string, token: string): Promise<{ rows: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`));
      let lines = 0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => (res.complete ? resolve({ rows: lines - 1, bytes }) : reject(new Error(`${url}: response cut short`))));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

export async function benchAssignExport(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' },
      assign: { type: 'string', default: '50000' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const rows = Number(values.rows);
  const assignCount = Number(values.assign);
  const rounds = Number(values.rounds);

  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-'));
  const file = join(dir, 'bench.sqlite');
  try {
    console.log(`seeding ${rows} SIM cards…`);
    await seedSqlite(file, rows);

    // The range: `assignCount` consecutive seeded SIMs, all put in stock (the seed spreads statuses).
    const raw = new sqlite3.Database(file);
    await exec(raw, 'PRAGMA busy_timeout = 30000');
    const firstId = Math.floor(rows / 10) + 1;
    const lastId = firstId + assignCount - 1;
    await exec(raw, "UPDATE simcards SET status = 'in_stock', shop_id = NULL, assigned_at = NULL WHERE id BETWEEN ? AND ?", [
      firstId,
      lastId,
    ]);
    const range = { from: await seededIccid(raw, firstId), to: await seededIccid(raw, lastId) };

    const api = await startServer('main-api', benchEnv(`sqlite:${file}`, { MAIN_API_PORT: '0' }));
    try {
      const pid = serverPid(api.child.pid!);
      const token = await signIn(api.url, BENCH_ADMIN_PASSWORD);

      // --- assignment, alternating with the raw statements on the same rows ---
      const apiAssign: number[] = [];
      const apiUnassign: number[] = [];
      const rawAssign: number[] = [];
      for (let i = 0; i < rounds; i++) {
        let t = performance.now();
        const assigned = await post(`${api.url}/simcards/assign`, token, { range, shop_id: 1 });
        apiAssign.push((performance.now() - t) / 1000);
        if (assigned.assigned !== assignCount) throw new Error(`assigned ${String(assigned.assigned)}, expected ${assignCount}`);
        t = performance.now();
        const returned = await post(`${api.url}/simcards/unassign`, token, { range });
        apiUnassign.push((performance.now() - t) / 1000);
        if (returned.unassigned !== assignCount) throw new Error(`unassigned ${String(returned.unassigned)}, expected ${assignCount}`);

        const at = new Date().toISOString();
        t = performance.now();
        await exec(raw, 'BEGIN IMMEDIATE');
        await exec(
          raw,
          `INSERT INTO assignment_logs (simcard_id, iccid, from_shop_id, to_shop_id, action, user_id, created_at)
           SELECT id, iccid, shop_id, 1, 'assigned', 1, ? FROM simcards WHERE iccid BETWEEN ? AND ? AND status = 'in_stock'`,
          [at, range.from, range.to],
        );
        await exec(
          raw,
          "UPDATE simcards SET shop_id = 1, status = 'assigned', assigned_at = ?, updated_at = ? WHERE iccid BETWEEN ? AND ? AND status = 'in_stock'",
          [at, at, range.from, range.to],
        );
        await exec(raw, 'COMMIT');
        rawAssign.push((performance.now() - t) / 1000);
        await exec(raw, "UPDATE simcards SET status = 'in_stock', shop_id = NULL, assigned_at = NULL WHERE id BETWEEN ? AND ?", [
          firstId,
          lastId,
        ]);
        console.log(`round ${i + 1}: assign ${fmt(apiAssign[i]!)} s, unassign ${fmt(apiUnassign[i]!)} s, raw SQL ${fmt(rawAssign[i]!)} s`);
      }
      await new Promise<void>((resolve) => raw.close(() => resolve()));

      // --- export: all rows, and a small slice for the memory comparison; the CLI as reference ---
      const shopRows = Number(
        (spawnSync('sqlite3', [file, 'SELECT count(*) FROM simcards WHERE shop_id = 1'], { encoding: 'utf8' }).stdout || '0').trim(),
      );
      const fullExports: Measured[] = [];
      const smallExports: Measured[] = [];
      const cli: number[] = [];
      for (let i = 0; i < rounds; i++) {
        let exported = 0;
        fullExports.push(
          await measure(
            pid,
            async () => void ({ rows: exported } = await download(`${api.url}/simcards/export?raw=true&format=csv`, token)),
          ),
        );
        if (exported !== rows) throw new Error(`exported ${exported} rows, expected ${rows}`);
        smallExports.push(
          await measure(
            pid,
            async () => void ({ rows: exported } = await download(`${api.url}/simcards/export?raw=true&format=csv&shop_id=1`, token)),
          ),
        );
        if (exported !== shopRows) throw new Error(`exported ${exported} rows of shop 1, expected ${shopRows}`);
        const t = performance.now();
        const out = spawnSync('sqlite3', ['-csv', '-header', file, 'SELECT * FROM simcards ORDER BY id'], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        if (out.status !== 0) throw new Error('sqlite3 CLI export failed');
        cli.push((performance.now() - t) / 1000);
        console.log(
          `round ${i + 1}: export ${rows} rows ${fmt(fullExports[i]!.seconds)} s, peak ${fmt(fullExports[i]!.peakMb, 0)} MB; ` +
            `${shopRows} rows peak ${fmt(smallExports[i]!.peakMb, 0)} MB; sqlite3 CLI ${fmt(cli[i]!)} s`,
        );
      }

      // XLSX once (exceljs is several times slower than CSV): its memory must not grow either.
      let xlsxBytes = 0;
      const xlsx = await measure(
        pid,
        async () => void ({ bytes: xlsxBytes } = await download(`${api.url}/simcards/export?raw=true&format=xlsx`, token)),
      );
      console.log(`xlsx export of ${rows} rows: ${fmt(xlsx.seconds)} s, ${fmt(xlsxBytes / 2 ** 20, 0)} MB, peak ${fmt(xlsx.peakMb, 0)} MB`);

      const a = median(apiAssign);
      const r = median(rawAssign);
      const e = median(fullExports.map((m) => m.seconds));
      const c = median(cli);
      const peakFull = median(fullExports.map((m) => m.peakMb));
      const peakSmall = median(smallExports.map((m) => m.peakMb));
      const table = [
        `## Bulk assignment of ${assignCount.toLocaleString('en')} SIMs and CSV export of ${rows.toLocaleString('en')} (SQLite)`,
        '',
        `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}, load average ${loadavg()[0]!.toFixed(1)} at the end (a shared machine); a database of ${rows.toLocaleString('en')} seeded SIM cards; the main API in its own process;`,
        `${rounds} alternating rounds; medians. Peak RSS is the API process's VmHWM, reset before each export (/proc/<pid>/clear_refs).`,
        '',
        '| | median | rounds |',
        '| --- | ---: | --- |',
        `| \`POST /simcards/assign\` by range (${assignCount.toLocaleString('en')} SIMs, logged) | ${fmt(a)} s | ${apiAssign.map((x) => fmt(x)).join(', ')} |`,
        `| \`POST /simcards/unassign\` by range (the same SIMs back to stock) | ${fmt(median(apiUnassign))} s | ${apiUnassign.map((x) => fmt(x)).join(', ')} |`,
        `| reference: the two set-based statements (INSERT … SELECT, UPDATE) run directly in \`sqlite3\` | ${fmt(r)} s | ${rawAssign.map((x) => fmt(x)).join(', ')} |`,
        `| \`GET /simcards/export?format=csv\`, ${rows.toLocaleString('en')} rows | ${fmt(e)} s | ${fullExports.map((m) => fmt(m.seconds)).join(', ')} |`,
        `| reference: \`sqlite3 -csv\` CLI, the same rows to /dev/null | ${fmt(c)} s | ${cli.map((x) => fmt(x)).join(', ')} |`,
        `| \`GET /simcards/export?format=xlsx\`, ${rows.toLocaleString('en')} rows (${fmt(xlsxBytes / 2 ** 20, 0)} MB file; one round) | ${fmt(xlsx.seconds)} s | |`,
        '',
        `**Assignment: ${fmt(a / r, 1)}×** the raw statements' time (the API also reads the rows, decides per SIM by the lifecycle rules and answers).`,
        `**Export: ${fmt(e / c, 1)}×** the CLI's time (${fmt(rows / e, 0)} rows/s).`,
        '',
        '| API process memory | before the export | peak during it |',
        '| --- | ---: | ---: |',
        `| export of ${rows.toLocaleString('en')} rows | ${fmt(median(fullExports.map((m) => m.beforeMb)), 0)} MB | ${fmt(peakFull, 0)} MB |`,
        `| export of ${shopRows.toLocaleString('en')} rows (one shop) | ${fmt(median(smallExports.map((m) => m.beforeMb)), 0)} MB | ${fmt(peakSmall, 0)} MB |`,
        `| XLSX export of ${rows.toLocaleString('en')} rows | ${fmt(xlsx.beforeMb, 0)} MB | ${fmt(xlsx.peakMb, 0)} MB |`,
        '',
        `**Memory: ${fmt(peakFull / peakSmall, 2)}×** the peak for ${fmt(rows / shopRows, 0)}× the rows: the export is streamed (keyset pages of 5,000 rows).`,
      ].join('\n');
      console.log(`\n${table}\n`);
      writeSection('assign-export', table);
    } finally {
      await api.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
