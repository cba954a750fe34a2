/**
 * An auto-check run of 10,000 assigned SIMs against the simulator at 50 ms a call with
 * CHECK_CONCURRENCY=50: the ideal is 10,000 × 0.05 s / 50 = 10 s; goal within 1.15× of it.
 * While it runs, the main API's p99 for `GET /simcards?limit=50` is measured beside its p99 at
 * rest, in alternating rounds; goal within 2×. Every service is its own process.
 *
 *   npm run bench -- check-run [--sims 10000] [--latency 50] [--concurrency 50] [--rounds 3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_ADMIN_PASSWORD, benchEnv, load, machine, median, type Round, signIn, startServer, writeSection } from './harness.js';
import { seedSqlite } from './seed.js';

const PROVIDER_TOKEN = 'bench-provider-token';

interface RunResult {
  wallSeconds: number;
  /** CPU time of the status API process during the run, per SIM checked. */
  cpuMsPerCheck: number;
  done: number;
  errors: number;
}

export async function benchCheckRun(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sims: { type: 'string', default: '10000' },
      latency: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const sims = Number(values.sims);
  const latency = Number(values.latency);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const ideal = (sims * latency) / 1000 / concurrency;

  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-'));
  const file = join(dir, 'bench.sqlite');
  const servers = [];
  try {
    console.log(`seeding ${sims} assigned SIM cards…`);
    await seedSqlite(file, sims, { allAssigned: true });
    // A benchmark is one user sending thousands of requests: the per-user rate limit is off for it.
    const env = benchEnv(`sqlite:${file}`, { PROVIDER_TOKEN, RATE_LIMIT_USER: '0' });
    const provider = await startServer('provider-sim', { PROVIDER_TOKEN });
    servers.push(provider);
    const status = await startServer('status-api', {
      ...env,
      STATUS_API_PORT: '0',
      PROVIDER_URL: provider.url,
      CHECK_CONCURRENCY: String(concurrency),
    });
    servers.push(status);
    const main = await startServer('main-api', { ...env, MAIN_API_PORT: '0', STATUS_API_URL: status.url });
    servers.push(main);

    const token = await signIn(main.url, BENCH_ADMIN_PASSWORD);
    const headers = { authorization: `Bearer ${token}` };
    await put(`${provider.url}/_sim/config`, { latency_ms: latency, error_rate: 0, timeout_rate: 0, garbage_rate: 0, sales_per_minute: 0 });
    await load(`${main.url}/simcards?limit=50`, headers, 2, 4); // warm-up

    const runs: RunResult[] = [];
    const rest: Round[] = [];
    const busy: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      rest.push(await load(`${main.url}/simcards?limit=50`, headers, 6, 4));
      const started = performance.now();
      const cpuBefore = cpuSeconds(status.child.pid!);
      const res = await fetch(`${main.url}/simcards/auto-check`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      if (res.status !== 202) throw new Error(`auto-check answered ${res.status}: ${await res.text()}`);
      const run = (await res.json()) as { id: number; total: number };
      if (run.total !== sims) throw new Error(`the run holds ${run.total} SIMs, not ${sims}`);
      // The same load as at rest, during the run (it lasts about `ideal` seconds).
      busy.push(await load(`${main.url}/simcards?limit=50`, headers, Math.min(6, Math.max(2, ideal * 0.6)), 4));
      const finished = await waitForRun(main.url, headers, run.id);
      const cpu = cpuSeconds(status.child.pid!) - cpuBefore;
      runs.push({
        wallSeconds: (performance.now() - started) / 1000,
        cpuMsPerCheck: (cpu * 1000) / finished.done,
        done: finished.done,
        errors: finished.errors,
      });
      console.log(
        `round ${i + 1}: run ${runs[i]!.wallSeconds.toFixed(2)} s (${finished.done} checked, ${finished.errors} errors, ${runs[i]!.cpuMsPerCheck.toFixed(2)} ms CPU each); p99 at rest ${rest[i]!.p99Ms} ms, during the run ${busy[i]!.p99Ms} ms`,
      );
    }
    const failures = [...rest, ...busy].reduce((n, r) => n + r.errors + r.non2xx, 0) + runs.reduce((n, r) => n + r.errors, 0);
    if (failures > 0) throw new Error(`${failures} failed requests or checks during the benchmark`);

    const wall = median(runs.map((r) => r.wallSeconds));
    const p99Rest = median(rest.map((r) => r.p99Ms));
    const p99Busy = median(busy.map((r) => r.p99Ms));
    writeSection(
      'check-run',
      [
        `## Auto-check run: ${sims.toLocaleString('en')} assigned SIMs, simulator at ${latency} ms, CHECK_CONCURRENCY=${concurrency} (SQLite)`,
        '',
        `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}; the simulator, the status API and the main API each in its own process; ${rounds} rounds; medians.`,
        `Reference: the ideal ${sims.toLocaleString('en')} × ${latency / 1000} s / ${concurrency} = ${ideal.toFixed(1)} s. Wall time is from \`POST /simcards/auto-check\` to the run read back \`completed\`.`,
        '',
        '| | median | rounds |',
        '| --- | ---: | --- |',
        `| run wall time | ${wall.toFixed(2)} s | ${runs.map((r) => r.wallSeconds.toFixed(2)).join(', ')} |`,
        `| status API CPU per SIM checked | ${median(runs.map((r) => r.cpuMsPerCheck)).toFixed(2)} ms | ${runs.map((r) => r.cpuMsPerCheck.toFixed(2)).join(', ')} |`,
        `| main API p99, \`GET /simcards?limit=50\` at rest (4 connections) | ${p99Rest} ms | ${rest.map((r) => r.p99Ms).join(', ')} |`,
        `| the same during the run | ${p99Busy} ms | ${busy.map((r) => r.p99Ms).join(', ')} |`,
        '',
        `**Run: ${(wall / ideal).toFixed(2)}×** the ideal (goal ≤ 1.15×): ${wall / ideal <= 1.15 ? 'met' : 'NOT met'}.`,
        `**Main API p99 during the run: ${(p99Busy / p99Rest).toFixed(2)}×** its p99 at rest (goal ≤ 2×): ${p99Busy / p99Rest <= 2 ? 'met' : 'NOT met'}.`,
      ].join('\n'),
    );
    console.log(`run ${(wall / ideal).toFixed(2)}× ideal; p99 ${(p99Busy / p99Rest).toFixed(2)}× at rest — bench/RESULTS.md updated`);
  } finally {
    for (const s of servers.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function put(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${PROVIDER_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
}

async function waitForRun(
  url: string,
  headers: Record<string, string>,
  id: number,
): Promise<{ status: string; done: number; errors: number }> {
  for (;;) {
    const run = (await (await fetch(`${url}/check-runs/${id}`, { headers })).json()) as { status: string; done: number; errors: number };
    if (run.status !== 'running') {
      if (run.status !== 'completed') throw new Error(`run ${id} ended ${run.status}`);
      return run;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** User + system CPU seconds of a process so far (Linux /proc; the tools run as children, so tsx's wrapper is the parent). */
function cpuSeconds(pid: number): number {
  const pids = [pid, ...childPids(pid)];
  let ticks = 0;
  for (const p of pids) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / 100;
}

function childPids(pid: number): number[] {
  try {
    const direct = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return direct.flatMap((c) => [c, ...childPids(c)]);
  } catch {
    return [];
  }
}
