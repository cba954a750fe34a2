/**
 * An auto-check run of 10,000 assigned SIMs against the simulator at 50 ms a call with
 * CHECK_CONCURRENCY=50: the ideal is 10,000 × 0.05 s / 50 = 10 s; goal within 1.1× of it, and
 * at most 0.3 ms of the status API's CPU per SIM (issue 14).
 * While it runs, the main API's p99 for `GET /simcards?limit=50` is measured beside its p99 at
 * rest, in alternating rounds; goal within 2×. Every service is its own process.
 *
 *   npm run bench -- check-run [--sims 10000] [--latency 50] [--concurrency 50] [--rounds 3] [--poll 250] [--profile <file>] [--before <root>]
 *
 * `--before <root>`: another copy of the project (say an export of the last commit, with this
 * one's node_modules) measured beside this one, in alternating order, each on its own database.
 * `--profile <file>`: the status API (only it) records a CPU profile of the whole bench (open it in Chrome DevTools).
 * `--dry-run`: prints the figures without rewriting bench/RESULTS.md (a shared machine's trial rounds are no result).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_ADMIN_PASSWORD,
  benchEnv,
  load,
  machine,
  median,
  type Round,
  type Server,
  signIn,
  startServer,
  writeSection,
} from './harness.js';
import { seedSqlite } from './seed.js';

const PROVIDER_TOKEN = 'bench-provider-token';

interface RunResult {
  wallSeconds: number;
  /** CPU time of the status API process during the run, per SIM checked. */
  cpuMsPerCheck: number;
  done: number;
  errors: number;
}

/** One copy of the project under test: its own database, simulator, status API and main API. */
interface Stack {
  label: string;
  servers: Server[];
  statusPid: number;
  mainUrl: string;
  headers: Record<string, string>;
  runs: RunResult[];
  rest: Round[];
  busy: Round[];
  /** The 1-minute load average at the end of each of its rounds (the machine is shared). */
  loads: number[];
}

export async function benchCheckRun(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sims: { type: 'string', default: '10000' },
      latency: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
      profile: { type: 'string' },
      before: { type: 'string' },
      /** The poll's period in ms (default POLL_MS; 20 was the earlier bench's). */
      poll: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const sims = Number(values.sims);
  const latency = Number(values.latency);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const pollMs = Number(values.poll ?? POLL_MS);
  const ideal = (sims * latency) / 1000 / concurrency;

  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-'));
  const stacks: Stack[] = [];
  try {
    // The "before" tree first (as a reference), then this one; each round runs them one after the other, alternating which goes first.
    if (values.before) stacks.push(await startStack('before', join(dir, 'before.sqlite'), values.before));
    stacks.push(await startStack(values.before ? 'after' : 'this tree', join(dir, 'bench.sqlite'), undefined, values.profile));
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? stacks : [...stacks].reverse();
      for (const stack of order) await runRound(stack, i);
    }
    const failures = stacks.reduce(
      (n, s) => n + [...s.rest, ...s.busy].reduce((m, r) => m + r.errors + r.non2xx, 0) + s.runs.reduce((m, r) => m + r.errors, 0),
      0,
    );
    if (failures > 0) throw new Error(`${failures} failed requests or checks during the benchmark`);

    const lines = [
      `## Auto-check run: ${sims.toLocaleString('en')} assigned SIMs, simulator at ${latency} ms, CHECK_CONCURRENCY=${concurrency} (SQLite)`,
      '',
      `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}; the simulator, the status API and the main API each in its own process; ${rounds} rounds; medians.` +
        (values.before
          ? ' "before": the tree given by `--before`, measured beside this one ("after") in alternating order, each with its own database and servers.'
          : ''),
      `Reference: the ideal ${sims.toLocaleString('en')} × ${latency / 1000} s / ${concurrency} = ${ideal.toFixed(1)} s. Wall time is from \`POST /simcards/auto-check\` to the run's own \`finished_at\` (read back every ${pollMs} ms; those polls are in the CPU figure). CPU: user + system time of the status API process (all its threads, libuv's included) during the run, per SIM checked.`,
      '',
    ];
    for (const s of stacks) {
      const wall = median(s.runs.map((r) => r.wallSeconds));
      const cpu = median(s.runs.map((r) => r.cpuMsPerCheck));
      const p99Rest = median(s.rest.map((r) => r.p99Ms));
      const p99Busy = median(s.busy.map((r) => r.p99Ms));
      lines.push(
        ...(stacks.length > 1 ? [`### ${s.label}`, ''] : []),
        `Load average (1 min) at each round's end: ${s.loads.map((l) => l.toFixed(2)).join(', ')}.`,
        '',
        '| | median | rounds |',
        '| --- | ---: | --- |',
        `| run wall time | ${wall.toFixed(2)} s | ${s.runs.map((r) => r.wallSeconds.toFixed(2)).join(', ')} |`,
        `| status API CPU per SIM checked | ${cpu.toFixed(2)} ms | ${s.runs.map((r) => r.cpuMsPerCheck.toFixed(2)).join(', ')} |`,
        `| main API p99, \`GET /simcards?limit=50\` at rest (4 connections) | ${p99Rest} ms | ${s.rest.map((r) => r.p99Ms).join(', ')} |`,
        `| the same during the run | ${p99Busy} ms | ${s.busy.map((r) => r.p99Ms).join(', ')} |`,
        '',
        `**Run: ${(wall / ideal).toFixed(2)}×** the ideal (goal ≤ 1.1×): ${wall / ideal <= 1.1 ? 'met' : 'NOT met'}. ` +
          `**CPU: ${cpu.toFixed(2)} ms** per SIM (goal ≤ 0.3 ms): ${cpu <= 0.3 ? 'met' : 'NOT met'}. ` +
          `**Main API p99 during the run: ${(p99Busy / p99Rest).toFixed(2)}×** its p99 at rest (goal ≤ 2×): ${p99Busy / p99Rest <= 2 ? 'met' : 'NOT met'}.`,
        '',
      );
      console.log(
        `${s.label}: run ${(wall / ideal).toFixed(2)}× ideal; ${cpu.toFixed(2)} ms CPU per SIM; p99 ${(p99Busy / p99Rest).toFixed(2)}× at rest`,
      );
    }
    if (stacks.length > 1) {
      const ratios = stacks[1]!.runs.map((r, i) => r.cpuMsPerCheck / stacks[0]!.runs[i]!.cpuMsPerCheck);
      lines.push(
        `CPU per SIM, after / before, per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}.`,
      );
    }
    if (values['dry-run']) {
      console.log(lines.join('\n'));
    } else {
      writeSection('check-run', lines.join('\n'));
      console.log('bench/RESULTS.md updated');
    }
  } finally {
    for (const s of stacks) for (const server of [...s.servers].reverse()) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  async function startStack(label: string, file: string, root?: string, profile?: string): Promise<Stack> {
    console.log(`${label}: seeding ${sims} assigned SIM cards…`);
    await seedSqlite(file, sims, { allAssigned: true });
    const servers: Server[] = [];
    const stack: Stack = { label, servers, statusPid: 0, mainUrl: '', headers: {}, runs: [], rest: [], busy: [], loads: [] };
    // A benchmark is one user sending thousands of requests: the per-user rate limit is off for it.
    const env = benchEnv(`sqlite:${file}`, { PROVIDER_TOKEN, RATE_LIMIT_USER: '0' });
    // CPU_PROFILE reaches the status API only (every server would otherwise inherit it and write the same file).
    const provider = await startServer('provider-sim', { PROVIDER_TOKEN, CPU_PROFILE: '' }, root);
    servers.push(provider);
    const status = await startServer(
      'status-api',
      { ...env, STATUS_API_PORT: '0', PROVIDER_URL: provider.url, CHECK_CONCURRENCY: String(concurrency), CPU_PROFILE: profile ?? '' },
      root,
    );
    servers.push(status);
    stack.statusPid = status.child.pid!;
    const main = await startServer('main-api', { ...env, MAIN_API_PORT: '0', STATUS_API_URL: status.url, CPU_PROFILE: '' }, root);
    servers.push(main);
    stack.mainUrl = main.url;
    stack.headers = { authorization: `Bearer ${await signIn(main.url, BENCH_ADMIN_PASSWORD)}` };
    await put(`${provider.url}/_sim/config`, { latency_ms: latency, error_rate: 0, timeout_rate: 0, garbage_rate: 0, sales_per_minute: 0 });
    await load(`${main.url}/simcards?limit=50`, stack.headers, 2, 4); // warm-up
    return stack;
  }

  async function runRound(s: Stack, i: number): Promise<void> {
    const { mainUrl, headers } = s;
    s.rest.push(await load(`${mainUrl}/simcards?limit=50`, headers, 6, 4));
    const started = Date.now();
    const cpuBefore = cpuSeconds(s.statusPid);
    const res = await fetch(`${mainUrl}/simcards/auto-check`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    if (res.status !== 202) throw new Error(`auto-check answered ${res.status}: ${await res.text()}`);
    const run = (await res.json()) as { id: number; total: number };
    if (run.total !== sims) throw new Error(`the run holds ${run.total} SIMs, not ${sims}`);
    // The same load as at rest, during the run (it lasts about `ideal` seconds).
    s.busy.push(await load(`${mainUrl}/simcards?limit=50`, headers, Math.min(6, Math.max(2, ideal * 0.6)), 4));
    const finished = await waitForRun(mainUrl, headers, run.id, pollMs);
    const cpu = cpuSeconds(s.statusPid) - cpuBefore;
    const r: RunResult = {
      // To the instant the run recorded its end (same machine, same clock): exact however often it is polled.
      wallSeconds: (Date.parse(finished.finished_at) - started) / 1000,
      cpuMsPerCheck: (cpu * 1000) / finished.done,
      done: finished.done,
      errors: finished.errors,
    };
    s.runs.push(r);
    s.loads.push(loadavg()[0]!);
    console.log(
      `${s.label} round ${i + 1}: load ${s.loads[i]!.toFixed(2)}; run ${r.wallSeconds.toFixed(2)} s (${finished.done} checked, ${finished.errors} errors, ${r.cpuMsPerCheck.toFixed(2)} ms CPU each); p99 at rest ${s.rest[i]!.p99Ms} ms, during the run ${s.busy[i]!.p99Ms} ms`,
    );
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

/**
 * How often the bench asks for the run's state. Its wall time is the run's own record of its end
 * (`finished_at`), so the poll's period does not bound its precision; each poll is a request to
 * the status API (through the main API) that would be charged to the run's CPU. Every 20 ms
 * (~550 polls a run) was 3–5% of the status API's CPU figure; the web app polls a running run
 * every 2 s. The CPU window still closes at most a period after the run's end (an idle status API).
 */
const POLL_MS = 250;

interface RunState {
  status: string;
  done: number;
  errors: number;
  finished_at: string;
}

async function waitForRun(url: string, headers: Record<string, string>, id: number, pollMs: number): Promise<RunState> {
  for (;;) {
    const run = (await (await fetch(`${url}/check-runs/${id}`, { headers })).json()) as RunState;
    if (run.status !== 'running') {
      if (run.status !== 'completed') throw new Error(`run ${id} ended ${run.status}`);
      return run;
    }
    await new Promise((r) => setTimeout(r, pollMs));
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
