/**
 * One knex instance per process, for SQLite (default) or PostgreSQL, from DatabaseConfig.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type { DatabaseConfig } from '@simcard/common';
import knex, { type Knex } from 'knex';

export type Db = Knex;
/** A knex instance or a transaction: repositories accept either, so services can compose them. */
export type Queryable = Knex | Knex.Transaction;

/** node-sqlite3's own busy timeout is 1 s; two services writing need longer. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * In WAL mode readers on separate connections run in parallel (node-sqlite3 runs each query on
 * libuv's pool of 4 threads), so several connections serve reads ~1.6× faster than knex's
 * default of one. Writers still take turns: a write transaction takes the write lock with its
 * first statement (`writeTransaction`); this process's others wait for their turn in JS
 * (WriteTurns), another process's under busy_timeout.
 */
const SQLITE_POOL_SIZE = 4;

interface SqliteConnection {
  exec(sql: string, cb: (err: Error | null) => void): void;
  configure(option: 'busyTimeout', value: number): void;
  close(cb: (err: Error | null) => void): void;
}

const SQLITE_PRAGMAS = `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`;

/**
 * A new connection's settings. Switching a new file to WAL is refused at once with SQLITE_BUSY
 * (no busy handler) while another process is switching it too — two services started together on
 * a fresh database (seen in the migrations test, two instances at once): tried again, up to the
 * busy timeout. The PRAGMAs are idempotent.
 */
function configureSqlite(conn: SqliteConnection, deadline: number, done: (err: Error | null) => void): void {
  conn.exec(SQLITE_PRAGMAS, (err) => {
    if (err && (err as { code?: unknown }).code === 'SQLITE_BUSY' && Date.now() < deadline) {
      setTimeout(() => configureSqlite(conn, deadline, done), 25);
      return;
    }
    done(err);
  });
}

export function createDatabase(config: DatabaseConfig): Db {
  if (config.client === 'sqlite') {
    if (config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
    return knex({
      client: 'sqlite3',
      connection: { filename: config.filename },
      useNullAsDefault: true,
      pool: {
        min: 1,
        // Every connection to ':memory:' would be a database of its own.
        max: config.filename === ':memory:' ? 1 : SQLITE_POOL_SIZE,
        // Per connection, before it is used: WAL so readers never block the writer, a busy timeout
        // so the other service's write waits instead of failing, and foreign keys enforced.
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) {
          conn.configure('busyTimeout', SQLITE_BUSY_TIMEOUT_MS);
          finalizeBeforeClose(conn);
          configureSqlite(conn, Date.now() + SQLITE_BUSY_TIMEOUT_MS, (err) => done(err, conn));
        },
      },
    });
  }
  return knex({
    client: 'pg',
    // Every statement and every transaction has a time limit (set per connection by the server):
    // a transaction left open by a stuck request is ended by PostgreSQL, not kept "idle in
    // transaction" holding its connection and locks. A long import raises its own statement
    // limit for its transaction only (limitTransaction).
    connection: {
      connectionString: config.connectionString,
      statement_timeout: config.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    ...(config.schema ? { searchPath: [config.schema] } : {}),
    pool: { min: 0, max: 10 },
  });
}

/** PostgreSQL defaults (DB_STATEMENT_TIMEOUT_MS / DB_IDLE_IN_TRANSACTION_TIMEOUT_MS override them). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 120_000;
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Gives one transaction a longer statement limit than the connection's (PostgreSQL `SET LOCAL`:
 * it ends with the transaction). For work known to be long, like a million-row import's
 * INSERT … SELECT. The idle-in-transaction limit stays: such work never waits between statements.
 */
export async function limitTransaction(trx: Knex.Transaction, statementTimeoutMs: number): Promise<void> {
  if (isSqlite(trx)) return;
  await trx.raw(`select set_config('statement_timeout', ?, true)`, [`${Math.round(statementTimeoutMs)}ms`]);
}

export function isSqlite(db: Queryable): boolean {
  return db.client.config.client === 'sqlite3';
}

/** Waiting this long for the process's write turn (as long as SQLite's busy timeout) gives up. */
const WRITE_TURN_WAIT_MS = SQLITE_BUSY_TIMEOUT_MS;

/**
 * No write turn within the wait: the same code as SQLite's own lock timeout (SQLITE_BUSY), so
 * callers and the HTTP error handler answer it alike (503 with Retry-After).
 */
export class WriteTurnTimeoutError extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor(waitedMs: number) {
    super(`SQLITE_BUSY: no write turn within ${waitedMs} ms (another write held the database)`);
    this.name = 'WriteTurnTimeoutError';
  }
}

/**
 * SQLite has one writer: this process's write transactions take turns for it here, in JS, in
 * the order they asked, instead of in SQLite's busy handler. A connection waiting there sleeps
 * 1–100 ms between tries (the lock is often free long before it looks again), in no order, and
 * holds one of libuv's threads meanwhile, which the driver's other queries need: at 10 single-row
 * imports in flight most of the pool sat asleep. Another process (the status API) still meets
 * SQLite's own lock and busy timeout.
 *
 * A waiter that gives up (WriteTurnTimeoutError) hands its place on only when the writer ahead
 * of it is done: released at once, the writers queued behind it would start beside the one
 * still writing, and meet the busy handler out of order.
 */
class WriteTurns {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>, waitMs: number): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    let timer: NodeJS.Timeout | undefined;
    const turn = await Promise.race([
      previous.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!turn) {
      void previous.then(release);
      throw new WriteTurnTimeoutError(waitMs);
    }
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/**
 * The turns of each SQLite file, shared by every knex instance of the process on it (services
 * that made their own); an in-memory database is its instance's own.
 */
const writeTurnsByFile = new Map<string, WriteTurns>();
const writeTurnsByInstance = new WeakMap<object, WriteTurns>();

function writeTurnsOf(db: Db): WriteTurns {
  const filename = (db.client.config.connection as { filename?: string } | undefined)?.filename;
  if (filename && filename !== ':memory:') {
    const key = resolvePath(filename);
    let turns = writeTurnsByFile.get(key);
    if (!turns) writeTurnsByFile.set(key, (turns = new WriteTurns()));
    return turns;
  }
  let turns = writeTurnsByInstance.get(db.client);
  if (!turns) writeTurnsByInstance.set(db.client, (turns = new WriteTurns()));
  return turns;
}

export interface WriteTransactionOptions {
  /**
   * `work`'s first statement writes (an INSERT): it takes SQLite's write lock itself, and the
   * dummy write that would take it one statement sooner is left out.
   */
  firstStatementWrites?: boolean;
  /** How long to wait for the process's write turn (SQLite) before WriteTurnTimeoutError; default the busy timeout. */
  turnWaitMs?: number;
  /** A connection of the pool the caller holds (its temporary tables are on it): the transaction runs on it. */
  connection?: unknown;
}

/**
 * Runs `work` in a transaction that holds the write lock from its first statement.
 * knex opens SQLite transactions with a deferred BEGIN; one that reads first and writes later
 * gets SQLITE_BUSY at once (no busy wait) when another process wrote in between. A write as
 * the first statement takes the lock up front, and waits for it under busy_timeout.
 * On SQLite the transaction starts in this process's write turn (WriteTurns); given a
 * transaction (a savepoint inside it), it already has the turn.
 */
export function writeTransaction<T>(
  db: Db,
  work: (trx: Knex.Transaction) => Promise<T>,
  options: WriteTransactionOptions = {},
): Promise<T> {
  const transaction = () =>
    db.transaction(
      async (trx) => {
        if (isSqlite(trx) && !options.firstStatementWrites) await trx.raw('UPDATE app_settings SET key = key WHERE 0');
        return work(trx);
      },
      options.connection === undefined ? undefined : { connection: options.connection },
    );
  if (!isSqlite(db) || (db as Knex.Transaction).isTransaction) return transaction();
  return writeTurnsOf(db).run(transaction, options.turnWaitMs ?? WRITE_TURN_WAIT_MS);
}

type Binding = string | number | null;

interface SqliteStatement {
  all(params: Binding[], cb: (err: Error | null, rows: unknown[]) => void): unknown;
  finalize(cb?: (err: Error | null) => void): unknown;
}

interface SqliteDriverConnection {
  prepare(sql: string, cb: (err: Error | null) => void): SqliteStatement;
  all(sql: string, params: Binding[], cb: (err: Error | null, rows: unknown[]) => void): unknown;
}

interface PgDriverConnection {
  query(config: { text: string; values: Binding[]; name?: string }): Promise<{ rows: unknown[] }>;
}

/**
 * Statements kept prepared per SQLite connection, and PostgreSQL statement names; past that
 * (shapes seldom asked), a statement is prepared for its one run.
 */
const PREPARED_PER_CONNECTION = 200;
/** Each SQLite connection's prepared statements, by SQL. */
const sqliteStatements = new WeakMap<object, Map<string, SqliteStatement>>();
/** Each SQLite connection's statements being prepared, by SQL. */
const sqlitePreparing = new WeakMap<object, Map<string, Promise<SqliteStatement>>>();
/** PostgreSQL: each statement's text with `$n` placeholders, and its name when it is run prepared. */
const pgTexts = new Map<string, string>();
const pgNames = new Map<string, string>();
let pgNamed = 0;

/**
 * sqlite3 refuses to close a connection that still has prepared statements (SQLITE_BUSY): the
 * pool's close of a connection first finalizes those `queryRows` kept for it.
 */
function finalizeBeforeClose(conn: SqliteConnection): void {
  const close = conn.close.bind(conn);
  conn.close = (cb) => {
    const statements = [...(sqliteStatements.get(conn)?.values() ?? [])];
    sqliteStatements.delete(conn);
    void Promise.all(statements.map((s) => new Promise<void>((resolve) => s.finalize(() => resolve())))).then(() => close(cb));
  };
}

/** Prepares `sql` on one connection; a statement that fails to prepare is not kept. */
function sqlitePrepare(conn: SqliteDriverConnection, sql: string): Promise<SqliteStatement> {
  return new Promise((resolve, reject) => {
    // With a callback, a failure comes to it (without one, sqlite3 emits an 'error' event and
    // drops the statement's queued runs without calling them back).
    const statement = conn.prepare(sql, (err) => (err ? reject(err) : resolve(statement)));
  });
}

/**
 * Not an async function: a statement already prepared (every run but a connection's first of
 * each shape) costs one promise, where an async function returning it costs two more and two
 * more microtask turns, each promise also a round of the request context's promise hooks (four
 * statements in each list request).
 */
function sqliteAll(conn: SqliteDriverConnection, sql: string, bindings: Binding[], settled: () => void): Promise<unknown[]> {
  let statements = sqliteStatements.get(conn);
  if (!statements) sqliteStatements.set(conn, (statements = new Map()));
  const statement = statements.get(sql);
  if (!statement && statements.size < PREPARED_PER_CONNECTION) {
    const kept = statements;
    // Read statements share a connection (ReadLeases): their first runs of one shape prepare it
    // once, or the copy left out of `kept` would never be finalized and the connection never close.
    let waiting = sqlitePreparing.get(conn);
    if (!waiting) sqlitePreparing.set(conn, (waiting = new Map()));
    const pending = waiting;
    let preparing = pending.get(sql);
    if (!preparing) {
      preparing = sqlitePrepare(conn, sql).then(
        (prepared) => {
          pending.delete(sql);
          kept.set(sql, prepared);
          return prepared;
        },
        (err: unknown) => {
          pending.delete(sql);
          throw err;
        },
      );
      pending.set(sql, preparing);
    }
    return preparing.then(
      (prepared) => sqliteRun(conn, sql, bindings, kept, prepared, settled),
      (err: unknown) => {
        settled();
        throw err;
      },
    );
  }
  return sqliteRun(conn, sql, bindings, statements, statement, settled);
}

/**
 * Runs `sql` by its kept statement (dropped from `kept` if it fails), or prepared for this run
 * alone. `settled` is called once the statement is done with the connection, before the answer.
 */
function sqliteRun(
  conn: SqliteDriverConnection,
  sql: string,
  bindings: Binding[],
  kept: Map<string, SqliteStatement>,
  statement: SqliteStatement | undefined,
  settled: () => void,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, rows: unknown[]): void => {
      // A statement whose table went away is not kept.
      if (err && statement && kept.get(sql) === statement) {
        kept.delete(sql);
        statement.finalize();
      }
      settled();
      if (err) reject(err);
      else resolve(rows);
    };
    try {
      if (statement) statement.all(bindings, done);
      else conn.all(sql, bindings, done);
    } catch (err) {
      // The driver refused the call itself (its callback will not come).
      settled();
      reject(err as Error);
    }
  });
}

function pgQuery(conn: PgDriverConnection, sql: string, bindings: Binding[], prepared: boolean): Promise<{ rows: unknown[] }> {
  let text = pgTexts.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (pgTexts.size < 1000) pgTexts.set(sql, text);
  }
  let name = prepared ? pgNames.get(sql) : undefined;
  if (prepared && name === undefined && pgNames.size < PREPARED_PER_CONNECTION) {
    name = `q${++pgNamed}`;
    pgNames.set(sql, name);
  }
  if (name === undefined) return conn.query({ text, values: bindings });
  return conn.query({ name, text, values: bindings }).catch((err: unknown) => {
    // "cached plan must not change result type": a migration changed a table under a prepared
    // `select *`. That name is spent on every connection that prepared it; the statement gets a
    // new one, and this run goes unnamed.
    if ((err as { code?: unknown }).code !== '0A000') throw err;
    if (pgNames.get(sql) === name) pgNames.delete(sql);
    return conn.query({ text: text!, values: bindings });
  });
}

/**
 * Rows of one statement run straight on a connection of the pool, outside knex's query builder
 * and runner: building, compiling and running a query through knex costs ~0.1 ms of the event
 * loop per statement, more than some of these statements take in the database. For statements
 * that run on every request (the token's lookup) and the SIM list's. `sql` is written for both
 * dialects with `?` placeholders (and none inside literals).
 *
 * SQLite keeps each statement prepared on each connection (sqlite3's `Database#all` prepares and
 * finalizes it anew on every call; a kept statement is replanned by SQLite itself when its
 * schema changes). PostgreSQL, when `prepared` (the default), names it, so each connection
 * parses and plans it once and then may reuse a generic plan: give `false` for a statement whose
 * best plan depends on its values (a filtered or deep page).
 *
 * For reads only (every caller selects): on SQLite, statements in flight at once may share a
 * connection (ReadLeases). In a transaction, on the transaction's connection (`statementRows`).
 */
export function queryRows<T>(db: Queryable, sql: string, bindings: Binding[], prepared = true): Promise<T[]> {
  if ((db as Knex.Transaction).isTransaction) return transactionRows<T>(db as Knex.Transaction, sql, bindings);
  // Not through an async function: each would add promises (and hook rounds) to every statement.
  if (isSqlite(db)) return readLeasesOf(db).run((conn, settled) => sqliteAll(conn, sql, bindings, settled)) as Promise<T[]>;
  return pgRows<T>(db, sql, bindings, prepared);
}

/**
 * Rows of any statement, a write too (`queryRows` is for reads). In a transaction on SQLite, run
 * by the statement kept prepared on the transaction's connection, as `queryRows` keeps reads
 * (a check run's batch runs the same few texts ~200 times a 10,000-SIM run: through `trx.raw`
 * each run cost knex's building and runner and a new prepare, ~20% of a batch's CPU, issue 14
 * goal 4). Outside a transaction, or on PostgreSQL, through knex. For texts of a fixed shape
 * (no text per size: each is kept on each connection that runs it).
 */
export function statementRows<T>(db: Queryable, sql: string, bindings: Binding[]): Promise<T[]> {
  if ((db as Knex.Transaction).isTransaction) return transactionRows<T>(db as Knex.Transaction, sql, bindings);
  return knexRows<T>(db, sql, bindings);
}

const noSettle = (): void => {};

function transactionRows<T>(trx: Knex.Transaction, sql: string, bindings: Binding[]): Promise<T[]> {
  if (!isSqlite(trx)) return knexRows<T>(trx, sql, bindings);
  // knex refuses a statement in a transaction already over; so does this.
  if (trx.isCompleted()) return Promise.reject(new Error(`Transaction query already complete: ${sql.slice(0, 80)}`));
  // The transaction's client answers with the transaction's own connection (not from the pool).
  return (trx.client.acquireConnection() as Promise<SqliteDriverConnection>).then(
    (conn) => sqliteAll(conn, sql, bindings, noSettle) as Promise<T[]>,
  );
}

async function knexRows<T>(db: Queryable, sql: string, bindings: Binding[]): Promise<T[]> {
  const result = (await db.raw(sql, bindings)) as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

async function pgRows<T>(db: Queryable, sql: string, bindings: Binding[], prepared: boolean): Promise<T[]> {
  const conn: unknown = await db.client.acquireConnection();
  try {
    return (await pgQuery(conn as PgDriverConnection, sql, bindings, prepared)).rows as T[];
  } finally {
    db.client.releaseConnection(conn);
  }
}

/** What ReadLeases asks of knex's pool (tarn). */
interface TarnPoolLike {
  max: number;
  numFree(): number;
  numUsed(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  destroyed?: boolean;
  on(event: 'acquireRequest' | 'poolDestroyRequest', listener: () => void): unknown;
}

/** Statements in flight on one shared SQLite connection at most; past that they wait their turn. */
const READS_PER_CONNECTION = 4;
/** The longest a connection no read uses stays parked (see ReadLeases) before it goes back to the pool. */
const PARKED_MS = 1000;

interface Lease {
  conn: SqliteDriverConnection;
  users: number;
}

/**
 * A statement run on a leased connection: it calls `settled` once it is done with the connection
 * (before it answers, so that no promise is spent on telling the lease; every list request runs four).
 */
type LeaseWork<R> = (conn: SqliteDriverConnection, settled: () => void) => Promise<R>;

/**
 * SQLite: connections taken from the pool by queryRows and shared by the statements it runs
 * concurrently (all of them reads, outside any transaction: in one, queryRows runs on the
 * transaction's connection). node-sqlite3 runs statements of one connection side by side, as
 * the bench's bare reference does; taking a connection from knex's pool per statement cost ~28
 * promises and 2 timers each (tarn's PendingOperation, knex's async validation), ~110 promises of
 * the 175 a list request made. A connection is shared only once the pool has none free to spread
 * onto. A read that finds every shared connection full waits in line here, first come first
 * served, and takes the place of the next statement to finish. While anyone waits in the pool's
 * own line (a transaction, or a read sent there), nothing is shared and no place handed on: the
 * shared connections drain within a statement and go back to the pool, and the reads in line
 * here join the pool's line. (Sharing past a read waiting in the pool's line kept the
 * connections busy for good: at 50 concurrent list requests that read waited up to a second,
 * p99 919 ms against a median of 10.) The pool's size, and every transaction's sole use of its
 * connection, are unchanged.
 *
 * A connection whose last read finished is kept (parked) for the next read instead of going back
 * to the pool at once: a pool acquire and release cost ~25 µs of the event loop (two pending
 * operations with a timer each, the validation, ~30 promises), four times in each list request
 * at one connection, where the bare reference keeps its connections. Parking never makes anyone
 * wait: any acquire from the pool (a transaction, a knex query) first gets every parked
 * connection back (tarn's `acquireRequest` event, sent before it looks for a free one), and so
 * does the pool's destroy; and every PARKED_MS, the ones still idle go back anyway.
 */
class ReadLeases {
  private readonly open: Lease[] = [];
  /** Reads waiting for a place on a shared connection, oldest first. */
  private readonly waiting: Array<(lease: Lease | null) => void> = [];
  /** The pool whose events give parked connections back (knex makes a new one after destroy + initialize). */
  private hooked: TarnPoolLike | undefined;
  private parkTimer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  run<R>(work: LeaseWork<R>): Promise<R> {
    const pool = this.db.client.pool as TarnPoolLike | undefined;
    if (pool !== this.hooked) this.hook(pool);
    if (pool && this.open.length > 0 && pool.numPendingAcquires() === 0) {
      const parked = this.parked();
      if (parked) {
        parked.users++;
        return this.use(parked, work);
      }
    }
    if (pool && this.open.length > 0 && pool.numPendingAcquires() === 0 && !this.poolHasRoom(pool)) {
      const lease = this.waiting.length === 0 ? this.leastBusy() : undefined;
      if (lease) {
        lease.users++;
        return this.use(lease, work);
      }
      // Every shared connection is full: wait for a place (null: go to the pool's line).
      return new Promise<Lease | null>((resolve) => this.waiting.push(resolve)).then((given) =>
        given ? this.use(given, work) : this.acquire(work),
      );
    }
    return this.acquire(work);
  }

  private acquire<R>(work: LeaseWork<R>): Promise<R> {
    return (this.db.client.acquireConnection() as Promise<SqliteDriverConnection>).then((conn) => {
      const taken = { conn, users: 1 };
      this.open.push(taken);
      return this.use(taken, work);
    });
  }

  /** Runs `work` on `lease`, whose place (`users`) is already counted for it. */
  private use<R>(lease: Lease, work: LeaseWork<R>): Promise<R> {
    let settled = false;
    const release = (): void => {
      if (settled) return;
      settled = true;
      this.done(lease);
    };
    try {
      return work(lease.conn, release);
    } catch (err) {
      release();
      return Promise.reject(err as Error);
    }
  }

  /** A statement on `lease` finished: its place goes to the first read in line, or is freed. */
  private done(lease: Lease): void {
    const pool = this.db.client.pool as TarnPoolLike | undefined;
    // A pool being destroyed waits for its connections: none is parked or handed on then.
    const poolLine = !pool || pool.numPendingAcquires() > 0 || pool.destroyed === true;
    if (this.waiting.length > 0 && !poolLine) {
      this.waiting.shift()!(lease);
      return;
    }
    if (--lease.users > 0) return;
    if (!poolLine) {
      // Nobody waits for a connection (nor here: a place would have gone to the first in line).
      this.parkTimer ??= setTimeout(this.releaseParked, PARKED_MS).unref();
      return;
    }
    this.release(lease);
    // Reads still waiting here means someone waits in the pool's line (else the place went to
    // the first of them above): they join that line, behind.
    for (const next of this.waiting.splice(0)) next(null);
  }

  private release(lease: Lease): void {
    this.open.splice(this.open.indexOf(lease), 1);
    // knex drops its pool once destroyed: nothing is left to give the connection back to.
    if (this.db.client.pool) this.db.client.releaseConnection(lease.conn);
  }

  /** Every parked connection back to the pool (someone asks the pool for one, or it closes, or time). */
  private readonly releaseParked = (): void => {
    if (this.parkTimer) clearTimeout(this.parkTimer);
    this.parkTimer = undefined;
    for (const lease of this.open.filter((l) => l.users === 0)) this.release(lease);
  };

  private hook(pool: TarnPoolLike | undefined): void {
    this.hooked = pool;
    if (!pool) return;
    pool.on('acquireRequest', this.releaseParked);
    pool.on('poolDestroyRequest', this.releaseParked);
  }

  /** A shared connection no read is using now, if any. */
  private parked(): Lease | undefined {
    for (const lease of this.open) if (lease.users === 0) return lease;
    return undefined;
  }

  private poolHasRoom(pool: TarnPoolLike): boolean {
    return pool.numFree() > 0 || pool.numUsed() + pool.numPendingCreates() < pool.max;
  }

  /** The least busy shared connection with a place left, if any. */
  private leastBusy(): Lease | undefined {
    let best = this.open[0]!;
    for (const lease of this.open) if (lease.users < best.users) best = lease;
    return best.users < READS_PER_CONNECTION ? best : undefined;
  }
}

const readLeases = new WeakMap<object, ReadLeases>();

function readLeasesOf(db: Queryable): ReadLeases {
  let leases = readLeases.get(db.client);
  if (!leases) readLeases.set(db.client, (leases = new ReadLeases(db as Db)));
  return leases;
}
