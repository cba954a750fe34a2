/**
 * Live events with several main API instances on one PostgreSQL (issue 18): 200 open
 * `GET /events` streams (what each browser's dashboard or phone holds open), on one instance or
 * split over two; sales are made through the first instance (an operator activation report, one
 * SIM per shop, the same rules as a check); each stream should get the sales of its scope (staff:
 * their shop's one; admins: all). A delivery's delay is its arrival minus the moment the report was
 * sent (an upper bound: it includes the report's own processing). Goal: p95 ≤ 2 s with 2 instances and 200 streams.
 *
 *   npm run bench -- live-events [--clients 200] [--rounds 10] [--shops 20]
 *
 * Rounds alternate one instance / two instances; each round opens its streams afresh, waits for
 * the feeds to start, then sells after a random 0–1 s (so sales fall anywhere in the feeds' 1 s
 * polls). Missing or duplicated deliveries are counted, not hidden.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { appendCheckDigit, parseDatabaseUrl, TokenService } from '@simcard/common';
import { createDatabase, migrateToLatest } from '@simcard/db';
import knex from 'knex';
import { addBenchAdmin, BENCH_JWT_SECRET, benchEnv, machine, median, type Server, startServer, writeSection } from './harness.js';

const PG_BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'bench_live_events';
const ADMINS_EVERY = 10; // one stream in ten is an admin's
const tokens = new TokenService(BENCH_JWT_SECRET, 3600);
const iccidOf = (i: number) => appendCheckDigit(`8999805${String(i).padStart(11, '0')}`);

interface Client {
  userId: number;
  /** null: an admin (sees every shop's sales). */
  shopId: number | null;
}

/** One open stream: the `simcard.sold` events it got, with their arrival time. */
class Stream {
  readonly sold = new Map<string, number[]>();
  readonly #abort = new AbortController();

  static async open(url: string, token: string): Promise<Stream> {
    const s = new Stream();
    const res = await fetch(`${url}/events`, { headers: { authorization: `Bearer ${token}` }, signal: s.#abort.signal });
    if (res.status !== 200) throw new Error(`GET /events: ${res.status}`);
    void s.#pump(res.body!);
    return s;
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (/^event: simcard\.sold$/m.test(block)) {
            const iccid = (JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { simcard: { iccid: string } }).simcard.iccid;
            this.sold.set(iccid, [...(this.sold.get(iccid) ?? []), at]);
          }
        }
      }
    } catch {
      // closed by the bench
    }
  }

  close(): void {
    this.#abort.abort();
  }
}

async function freshSchema(): Promise<string> {
  const admin = knex({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } });
  await admin.raw('drop schema if exists ?? cascade', [SCHEMA]);
  await admin.raw('create schema ??', [SCHEMA]);
  await admin.destroy();
  return `${PG_BASE}?schema=${SCHEMA}`;
}

/** Shops, their SIMs (one per shop per round, handed over), and one user per stream. */
async function seed(url: string, shops: number, clients: number, rounds: number): Promise<Client[]> {
  const db = createDatabase(parseDatabaseUrl(url));
  const users = Array.from({ length: clients }, (_, i): Client => ({
    userId: i + 2,
    shopId: i % ADMINS_EVERY === 0 ? null : (i % shops) + 1,
  }));
  try {
    await migrateToLatest(db);
    await addBenchAdmin(db);
    const at = new Date().toISOString();
    await db('shops').insert(
      Array.from({ length: shops }, (_, s) => ({ id: s + 1, name: `Shop ${s + 1}`, code: `S${s + 1}`, created_at: at, updated_at: at })),
    );
    await db('users').insert(
      users.map((c) => ({
        id: c.userId,
        username: `client${c.userId}`,
        password_hash: 'unusable',
        role: c.shopId === null ? 'admin' : 'staff',
        shop_id: c.shopId,
        is_active: true,
        created_at: at,
        updated_at: at,
      })),
    );
    await db.raw(`select setval(pg_get_serial_sequence('users', 'id'), ?)`, [clients + 1]);
    await db.raw(`select setval(pg_get_serial_sequence('shops', 'id'), ?)`, [shops]);
  } finally {
    await db.destroy();
  }
  // The SIMs go in through the API (its import hands them to the shop and records it).
  const api = await startServer('main-api', benchEnv(url, { MAIN_API_PORT: '0', RATE_LIMIT_USER: '0' }));
  try {
    for (let s = 1; s <= shops; s++) {
      const rows = Array.from({ length: rounds }, (_, r) => `${iccidOf(r * shops + s)},beeline`);
      await post(api.url, `/simcards/bulk?shop_id=${s}`, `iccid,operator\n${rows.join('\n')}\n`);
    }
  } finally {
    await api.stop();
  }
  return users;
}

async function post(url: string, path: string, csv: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.issue(1, 0).token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

interface RoundResult {
  instances: number;
  delaysMs: number[];
  missing: number;
  duplicated: number;
}

async function round(apis: Server[], clients: Client[], sales: Array<{ iccid: string; shopId: number }>): Promise<RoundResult> {
  const streams = await Promise.all(clients.map((c, i) => Stream.open(apis[i % apis.length]!.url, tokens.issue(c.userId, 0).token)));
  try {
    // Each feed starts polling (and takes its cursor) when its first stream arrives.
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
    const at = new Date().toISOString();
    const sentAt = performance.now();
    const report = await post(
      apis[0]!.url,
      '/activation-reports',
      `ICCID;Дата активации;Оператор\n${sales.map((s) => `${s.iccid};${at};beeline`).join('\n')}\n`,
    );
    if (report.sold !== sales.length) throw new Error(`report: ${JSON.stringify(report).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 5000));
    const result: RoundResult = { instances: apis.length, delaysMs: [], missing: 0, duplicated: 0 };
    for (const [i, c] of clients.entries()) {
      for (const sale of sales) {
        if (c.shopId !== null && c.shopId !== sale.shopId) continue;
        const arrivals = streams[i]!.sold.get(sale.iccid) ?? [];
        if (arrivals.length === 0) result.missing++;
        else result.delaysMs.push(arrivals[0]! - sentAt);
        result.duplicated += Math.max(0, arrivals.length - 1);
      }
      const foreign = [...streams[i]!.sold.keys()].filter(
        (iccid) => !sales.some((s) => s.iccid === iccid && (c.shopId === null || c.shopId === s.shopId)),
      );
      if (foreign.length > 0) throw new Error(`stream of user ${c.userId} got sales outside its scope: ${foreign.join(', ')}`);
    }
    return result;
  } finally {
    for (const s of streams) s.close();
  }
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

export async function benchLiveEvents(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '10' },
      shops: { type: 'string', default: '20' },
    },
  });
  const clientCount = Number(values.clients);
  const rounds = Number(values.rounds);
  const shops = Number(values.shops);
  const url = await freshSchema();
  console.log(`seeding ${shops} shops, ${clientCount} users, ${rounds * shops} SIMs…`);
  const clients = await seed(url, shops, clientCount, rounds);
  const env = benchEnv(url, { MAIN_API_PORT: '0', RATE_LIMIT_USER: '0', RATE_LIMIT_ANON: '0', EVENTS_MAX_STREAMS_PER_USER: '5' });
  const apis = [
    await startServer('main-api', { ...env, INSTANCE_ID: 'bench-a' }),
    await startServer('main-api', { ...env, INSTANCE_ID: 'bench-b' }),
  ];
  const results: RoundResult[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const instances = r % 2 === 0 ? 2 : 1;
      const sales = Array.from({ length: shops }, (_, s) => ({ iccid: iccidOf(r * shops + s + 1), shopId: s + 1 }));
      const result = await round(apis.slice(0, instances), clients, sales);
      loads.push(loadavg()[0]!);
      results.push(result);
      console.log(
        `round ${r + 1} (${instances} instance${instances > 1 ? 's' : ''}): ${result.delaysMs.length} deliveries, p50 ${percentile(result.delaysMs, 50).toFixed(0)} ms, p95 ${percentile(result.delaysMs, 95).toFixed(0)} ms, max ${Math.max(...result.delaysMs).toFixed(0)} ms, missing ${result.missing}, duplicated ${result.duplicated}, load ${loadavg()[0]!.toFixed(2)}`,
      );
    }
  } finally {
    await Promise.all(apis.map((a) => a.stop()));
  }

  const row = (instances: number) => {
    const mine = results.filter((r) => r.instances === instances);
    const delays = mine.flatMap((r) => r.delaysMs);
    const p95s = mine.map((r) => percentile(r.delaysMs, 95));
    return `| ${instances} | ${mine.length} | ${delays.length} | ${percentile(delays, 50).toFixed(0)} | **${percentile(delays, 95).toFixed(0)}** | ${Math.min(...p95s).toFixed(0)}–${Math.max(...p95s).toFixed(0)} | ${Math.max(...delays).toFixed(0)} | ${mine.reduce((n, r) => n + r.missing, 0)} | ${mine.reduce((n, r) => n + r.duplicated, 0)} |`;
  };
  const two = results.filter((r) => r.instances === 2).flatMap((r) => r.delaysMs);
  const markdown = [
    `## Live events: ${clientCount} open streams on 1 or 2 main API instances (PostgreSQL)`,
    '',
    `\`npm run bench -- live-events --clients ${clientCount} --rounds ${rounds} --shops ${shops}\`, ${new Date().toISOString()}, ${machine()}; load average (1 min) over the rounds ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}, median ${median(loads).toFixed(2)}.`,
    '',
    `${clientCount} \`GET /events\` streams (one in ${ADMINS_EVERY} an admin's, the rest staff of ${shops} shops), opened afresh each round, on one instance or alternately on two; each round one activation report through the first instance sells one SIM per shop, 1.5–2.5 s after the streams opened. Delay: a stream's \`simcard.sold\` arrival minus the moment the report was sent (so it includes the report's own processing). Rounds alternate 2 and 1 instances. Each instance's feed reads new sales from the database once a second while someone listens, so an instance that made no sale announces it as fast as the one that did.`,
    '',
    '| instances | rounds | deliveries | p50 ms | p95 ms | p95 per round | max ms | missing | duplicated |',
    '|---|---|---|---|---|---|---|---|---|',
    row(1),
    row(2),
    '',
    `Goal: p95 ≤ 2,000 ms with 2 instances and ${clientCount} streams: **${percentile(two, 95) <= 2000 ? 'met' : 'NOT met'}** (${percentile(two, 95).toFixed(0)} ms).`,
  ].join('\n');
  console.log(markdown);
  writeSection('live-events', markdown);
}
