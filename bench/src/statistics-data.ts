/**
 * The large data set for the statistics benchmark: 1,000 shops, 1,000,000 SIM cards (with their
 * assignment history, sales spread over 60 days), 2,000,000 status check log rows and a history
 * of check runs. Deterministic (row i is a function of i), so both dialects get the same data.
 *
 *   tsx bench/src/statistics-data.ts <DATABASE_URL> [--sims 1000000] [--logs 2000000] [--shops 1000]
 *
 * Bulk loading, the fast way on each dialect: SQLite in one transaction through prepared
 * multi-row INSERT statements of the raw driver; PostgreSQL through INSERT … SELECT FROM
 * unnest($1::int[], $2::text[], …), one round trip per 20,000 rows. The real migrations create
 * the schema first (and its sale-crediting trigger runs on every sold SIM inserted).
 */
import { appendCheckDigit, parseDatabaseUrl } from '@simcard/common';
import { createDatabase, type Db, migrateToLatest } from '@simcard/db';
import knex from 'knex';
import sqlite3 from 'sqlite3';

export interface DataSize {
  shops: number;
  sims: number;
  logs: number;
}

const DAY = 86_400_000;
const OPERATORS = ['beeline', 'ucell', 'uzmobile', 'mobiuz'] as const;
const PREFIXES: Record<(typeof OPERATORS)[number], string[]> = {
  beeline: ['90', '91'],
  ucell: ['93', '94'],
  uzmobile: ['95', '99'],
  mobiuz: ['97', '88'],
};
const RUN_SIZE = 100_000;
/** Within a run no SIM repeats: a run is at most as large as the SIM count. */
const runSize = (size: DataSize) => Math.min(RUN_SIZE, size.sims);

/** A cheap, well-mixed hash of i into [0, 1). */
function unit(i: number, salt: number): number {
  let h = Math.imul(i ^ (salt * 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

const iso = (t: number) => new Date(t).toISOString();

type Cell = string | number | boolean | null;

interface Table {
  name: string;
  columns: string[];
  /** PostgreSQL array types for unnest, one per column. */
  types: string[];
}

const SIMCARDS: Table = {
  name: 'simcards',
  columns: [
    'id',
    'iccid',
    'msisdn',
    'operator',
    'price',
    'batch_id',
    'shop_id',
    'status',
    'provider_status',
    'activated_at',
    'sold_at',
    'assigned_at',
    'last_checked_at',
    'created_at',
    'updated_at',
  ],
  types: [
    'int',
    'text',
    'text',
    'text',
    'int',
    'text',
    'int',
    'text',
    'text',
    'timestamptz',
    'timestamptz',
    'timestamptz',
    'timestamptz',
    'timestamptz',
    'timestamptz',
  ],
};
const MOVES: Table = {
  name: 'assignment_logs',
  columns: ['simcard_id', 'iccid', 'from_shop_id', 'to_shop_id', 'action', 'created_at'],
  types: ['int', 'text', 'int', 'int', 'text', 'timestamptz'],
};
const LOGS: Table = {
  name: 'status_check_logs',
  columns: [
    'simcard_id',
    'iccid',
    'previous_status',
    'new_status',
    'changed',
    'error_message',
    'source',
    'run_id',
    'response_ms',
    'checked_at',
  ],
  types: ['int', 'text', 'text', 'text', 'boolean', 'text', 'text', 'int', 'int', 'timestamptz'],
};

function iccidOf(i: number): string {
  return appendCheckDigit(`8999801${String(i).padStart(11, '0')}`);
}

/** SIM i (1-based): its row and its moves. 15% never left stock; of the rest ~half are sold. */
function simRow(i: number, size: DataSize, now: number): { sim: Cell[]; moves: Cell[][] } {
  const operator = OPERATORS[i % OPERATORS.length]!;
  const own = PREFIXES[operator];
  const prefix = unit(i, 1) < 0.97 ? own[i % 2]! : '33';
  const msisdn = unit(i, 2) < 0.9 ? `+998${prefix}${String(i).padStart(7, '0')}` : null;
  const iccid = iccidOf(i);
  const created = now - 90 * DAY;
  const moves: Cell[][] = [];
  let shop: number | null = null;
  let assignedAt: number | null = null;
  let soldAt: number | null = null;
  let status = 'in_stock';
  let provider: string | null = unit(i, 3) < 0.5 ? null : 'inactive';
  if (unit(i, 4) >= 0.15) {
    shop = Math.floor(unit(i, 5) * size.shops) + 1;
    assignedAt = now - (1 + unit(i, 6) * 64) * DAY;
    moves.push([i, iccid, null, shop, 'assigned', iso(assignedAt)]);
    if (unit(i, 7) < 0.1) {
      const to = (shop % size.shops) + 1;
      assignedAt += unit(i, 8) * (now - assignedAt) * 0.3;
      moves.push([i, iccid, shop, to, 'transferred', iso(assignedAt)]);
      shop = to;
    }
    status = 'assigned';
    if (unit(i, 9) < 0.5) {
      soldAt = assignedAt + unit(i, 10) * (now - assignedAt);
      status = unit(i, 11) < 0.05 ? 'blocked' : 'sold';
      provider = status === 'sold' ? 'active' : 'blocked';
    }
  }
  if (soldAt === null && unit(i, 12) < 0.01) provider = 'not_found';
  const sim: Cell[] = [
    i,
    iccid,
    msisdn,
    operator,
    15000,
    `B${Math.ceil(i / 10_000)}`,
    shop,
    status,
    provider,
    soldAt === null ? null : iso(soldAt - unit(i, 13) * DAY),
    soldAt === null ? null : iso(soldAt),
    assignedAt === null ? null : iso(assignedAt),
    iso(now - unit(i, 14) * 3 * DAY),
    iso(created),
    iso(now),
  ];
  return { sim, moves };
}

/**
 * Log row j (1-based), newest last. Auto checks belong to runs of 100,000 consecutive rows in
 * which every SIM appears at most once (j·7919 mod sims is a bijection on each block when the
 * SIM count is coprime to 7919), as the once-per-run unique index requires.
 */
function logRow(j: number, size: DataSize, now: number): Cell[] {
  const sim = ((j * 7919) % size.sims) + 1;
  const error = unit(j, 20) < 0.05;
  const auto = j % 10 !== 0;
  const changed = !error && unit(j, 21) < 0.1;
  return [
    sim,
    iccidOf(sim),
    'assigned',
    error ? null : changed ? 'sold' : 'assigned',
    changed,
    error ? 'provider timed out' : null,
    auto ? 'auto' : j % 20 === 0 ? 'manual' : 'bulk',
    auto ? Math.floor((j - 1) / runSize(size)) + 1 : null,
    20 + Math.floor(unit(j, 22) * 200),
    iso(now - 60 * DAY + (j / size.logs) * 60 * DAY),
  ];
}

interface Sink {
  insert(table: Table, rows: Cell[][]): Promise<void>;
}

function sqliteSink(db: sqlite3.Database): Sink & { finalize(): Promise<void> } {
  const ROWS = 500; // × ≤ 15 columns: under SQLite's 32,766 bound variables per statement
  const statements = new Map<string, sqlite3.Statement>();
  const statement = (table: Table, n: number) => {
    const key = `${table.name}:${n}`;
    let s = statements.get(key);
    if (!s) {
      const tuple = `(${table.columns.map(() => '?').join(', ')})`;
      s = db.prepare(`INSERT INTO ${table.name} (${table.columns.join(', ')}) VALUES ${Array(n).fill(tuple).join(', ')}`);
      statements.set(key, s);
    }
    return s;
  };
  return {
    async insert(table, rows) {
      for (let k = 0; k < rows.length; k += ROWS) {
        const chunk = rows.slice(k, k + ROWS);
        const flat = chunk.flat().map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
        await new Promise<void>((resolve, reject) => statement(table, chunk.length).run(flat, (err) => (err ? reject(err) : resolve())));
      }
    },
    async finalize() {
      for (const s of statements.values()) await new Promise<void>((r) => s.finalize(() => r()));
    },
  };
}

function postgresSink(db: Db): Sink {
  return {
    async insert(table, rows) {
      const columns = table.columns.map((_, c) => rows.map((r) => r[c]!));
      const unnest = table.types.map((t) => `?::${t}[]`).join(', ');
      await db.raw(`insert into ${table.name} (${table.columns.join(', ')}) select * from unnest(${unnest})`, columns as never);
    },
  };
}

async function fill(sink: Sink, size: DataSize, now: number, log: (s: string) => void): Promise<void> {
  const CHUNK = 20_000;
  const shops: Cell[][] = [];
  for (let s = 1; s <= size.shops; s++) shops.push([s, `Shop ${s}`, `SH${s}`, `City ${s % 14}`, true, iso(now - 200 * DAY), iso(now)]);
  await sink.insert(
    {
      name: 'shops',
      columns: ['id', 'name', 'code', 'city', 'is_active', 'created_at', 'updated_at'],
      types: ['int', 'text', 'text', 'text', 'boolean', 'timestamptz', 'timestamptz'],
    },
    shops,
  );
  for (let i = 1; i <= size.sims; i += CHUNK) {
    const sims: Cell[][] = [];
    const moves: Cell[][] = [];
    for (let k = i; k < Math.min(i + CHUNK, size.sims + 1); k++) {
      const r = simRow(k, size, now);
      sims.push(r.sim);
      moves.push(...r.moves);
    }
    await sink.insert(SIMCARDS, sims);
    await sink.insert(MOVES, moves);
    if ((i - 1) % 200_000 === 0) log(`  SIMs ${i - 1}…`);
  }
  const runs = Math.ceil(size.logs / runSize(size));
  const runRows: Cell[][] = [];
  for (let r = 1; r <= runs; r++) {
    const started = now - 60 * DAY + ((r - 1) / runs) * 60 * DAY;
    runRows.push([
      r,
      r % 7 === 0 ? 'failed' : 'completed',
      'scheduled',
      runSize(size),
      runSize(size),
      900,
      50,
      iso(started),
      iso(started + (300 + r) * 1000),
      iso(started),
    ]);
  }
  await sink.insert(
    {
      name: 'check_runs',
      columns: ['id', 'status', 'trigger', 'total', 'done', 'changed', 'errors', 'started_at', 'finished_at', 'updated_at'],
      types: ['int', 'text', 'text', 'int', 'int', 'int', 'int', 'timestamptz', 'timestamptz', 'timestamptz'],
    },
    runRows,
  );
  for (let j = 1; j <= size.logs; j += CHUNK) {
    const rows: Cell[][] = [];
    for (let k = j; k < Math.min(j + CHUNK, size.logs + 1); k++) rows.push(logRow(k, size, now));
    await sink.insert(LOGS, rows);
    if ((j - 1) % 400_000 === 0) log(`  log rows ${j - 1}…`);
  }
}

function run(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
}

/** Creates (or replaces) the data set at `url`: a sqlite: path, or postgres://…?schema=name. */
export async function generateStatisticsData(url: string, size: DataSize, log: (s: string) => void = console.log): Promise<void> {
  if (size.sims % 7919 === 0) throw new Error('the SIM count must not be a multiple of 7919');
  const config = parseDatabaseUrl(url);
  const now = Date.now();
  const started = Date.now();
  if (config.client === 'sqlite') {
    const { rmSync } = await import('node:fs');
    for (const suffix of ['', '-wal', '-shm']) rmSync(config.filename + suffix, { force: true });
    const k = createDatabase(config);
    await migrateToLatest(k);
    await k.destroy();
    const db = new sqlite3.Database(config.filename);
    await run(db, 'PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA foreign_keys = OFF; BEGIN');
    const sink = sqliteSink(db);
    await fill(sink, size, now, log);
    await sink.finalize();
    await run(db, 'COMMIT; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);');
    await new Promise<void>((r) => db.close(() => r()));
  } else {
    const schema = config.schema ?? 'public';
    const admin = knex({ client: 'pg', connection: config.connectionString, pool: { min: 0, max: 1 } });
    await admin.raw('drop schema if exists ?? cascade', [schema]);
    await admin.raw('create schema ??', [schema]);
    await admin.destroy();
    const db = createDatabase(config);
    await migrateToLatest(db);
    await fill(postgresSink(db), size, now, log);
    // Explicit ids were inserted: move the sequences past them, as a later insert would need.
    for (const t of ['shops', 'simcards', 'check_runs'])
      await db.raw(`select setval(pg_get_serial_sequence(?, 'id'), (select max(id) from ??))`, [t, t]);
    await db.raw('vacuum analyze');
    await db.destroy();
  }
  log(`  generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import('node:util');
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      sims: { type: 'string', default: '1000000' },
      logs: { type: 'string', default: '2000000' },
      shops: { type: 'string', default: '1000' },
    },
  });
  if (!positionals[0]) throw new Error('usage: tsx bench/src/statistics-data.ts <DATABASE_URL> [--sims N] [--logs N] [--shops N]');
  await generateStatisticsData(positionals[0], { sims: Number(values.sims), logs: Number(values.logs), shops: Number(values.shops) });
}
