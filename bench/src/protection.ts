/**
 * What the protection layer costs per request: `GET /shops?limit=20` on the main API with a
 * bearer token and with an API key, with every rate limit on (set high enough never to refuse)
 * and, as the reference, the same bearer requests on a second instance with every limit off.
 * One run, alternating rounds so that machine noise falls on all three.
 *
 *   npm run bench -- protection [--rounds 3] [--seconds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@simcard/common';
import { BENCH_ADMIN_PASSWORD, benchEnv, load, machine, median, type Round, signIn, startServer, writeSection } from './harness.js';
import { seedSqlite } from './seed.js';

const ACCESS_FIELDS = {
  method: 'GET',
  path: '/shops/12',
  route: '/shops/{id}',
  status: 200,
  duration_ms: 3.2,
  ip: '127.0.0.1',
  user_id: 1,
};

/** Microseconds per access line, median of 5 rounds of 100,000 lines written to a no-op sink. */
function microsPerLine(write: () => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < 6; r++) {
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) write();
    if (r > 0) rounds.push(((performance.now() - started) * 1000) / 100_000); // the first round warms up
  }
  return median(rounds);
}

/** The structured logger against the plain line logger it replaced (`time level [name] msg {json}`). */
function loggingTable(): string {
  let sink = 0;
  const log = createLogger('main-api', (line) => (sink += line.length));
  const pinoUs = microsPerLine(() => log.info('request', ACCESS_FIELDS));
  const lineUs = microsPerLine(
    () => (sink += `${new Date().toISOString()} info [main-api] request ${JSON.stringify(ACCESS_FIELDS)}`.length),
  );
  return [
    '',
    '',
    'Access-log line cost (in-process, 5 rounds of 100,000 lines to a no-op sink, medians). Reference: the plain line logger the structured one replaced.',
    '',
    '| | µs per line | ratio to reference |',
    '| --- | ---: | ---: |',
    `| pino JSON with secret redaction and request-id context | ${pinoUs.toFixed(2)} | ${(pinoUs / lineUs).toFixed(2)}× |`,
    `| plain line logger (reference) | ${lineUs.toFixed(2)} | 1.00× |`,
  ].join('\n');
}

export async function benchProtection(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const loadAtStart = loadavg()[0]!.toFixed(1);
  const dir = mkdtempSync(join(tmpdir(), 'simcard-bench-'));
  const file = join(dir, 'bench.sqlite');
  const env = benchEnv(`sqlite:${file}`, { MAIN_API_PORT: '0' });
  try {
    await seedSqlite(file, 1000);
    const limited = await startServer('main-api', { ...env, RATE_LIMIT_USER: '999999999/60', RATE_LIMIT_API_KEY: '999999999/3600' });
    const unlimited = await startServer('main-api', { ...env, RATE_LIMIT_ANON: '0', RATE_LIMIT_USER: '0', RATE_LIMIT_API_KEY: '0' });
    try {
      const path = '/shops?limit=20';
      const bearer = { authorization: `Bearer ${await signIn(limited.url, BENCH_ADMIN_PASSWORD)}` };
      const created = await fetch(`${limited.url}/api-keys`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', role: 'read' }),
      });
      const apiKey = { 'x-api-key': ((await created.json()) as { key: string }).key };
      const reference = { authorization: `Bearer ${await signIn(unlimited.url, BENCH_ADMIN_PASSWORD)}` };

      const cases: [string, string, Record<string, string>][] = [
        ['bearer token, limits on', limited.url, bearer],
        ['API key (read), limits on', limited.url, apiKey],
        ['bearer token, limits off (reference)', unlimited.url, reference],
      ];
      for (const [, url, headers] of cases) await load(url + path, headers, 2); // warm-up
      const results = cases.map(() => [] as Round[]);
      for (let i = 0; i < rounds; i++) {
        for (const [n, [, url, headers]] of cases.entries()) results[n]!.push(await load(url + path, headers, seconds));
        console.log(`round ${i + 1}: ${results.map((r) => r[i]!.requestsPerSecond.toFixed(0)).join(' / ')} req/s`);
      }
      const failures = results.flat().reduce((n, r) => n + r.errors + r.non2xx, 0);
      if (failures > 0) throw new Error(`${failures} failed requests during the benchmark`);

      const rps = results.map((r) => median(r.map((x) => x.requestsPerSecond)));
      const ref = rps[2]!;
      const table =
        [
          '## Protection layer: rate limits and API keys on `GET /shops?limit=20`',
          '',
          `Run: ${new Date().toISOString().slice(0, 10)}, ${machine()}, 1-minute load average ${loadAtStart} when it began (a shared machine: differences under ~20% are noise); autocannon, 10 connections, ${rounds} alternating rounds of ${seconds} s after a 2 s warm-up; medians. SQLite, 20 shops.`,
          'Reference: the same bearer-token requests on a second main API instance with every rate limit off (`RATE_LIMIT_*=0`). Both instances write no logs (the benchmark servers use the silent logger).',
          '',
          '| | req/s (median) | p50 ms | p99 ms | ratio to reference | rounds (req/s) |',
          '| --- | ---: | ---: | ---: | ---: | --- |',
          ...cases.map(
            ([label], n) =>
              `| ${label} | ${rps[n]!.toFixed(0)} | ${median(results[n]!.map((r) => r.p50Ms))} | ${median(results[n]!.map((r) => r.p99Ms))} | ${(rps[n]! / ref).toFixed(2)}× | ${results[n]!.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')} |`,
          ),
        ].join('\n') + loggingTable();
      console.log(`\n${table}\n`);
      writeSection('protection', table);
    } finally {
      await limited.stop();
      await unlimited.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
