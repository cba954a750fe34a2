/**
 * One knex instance per process, for SQLite (default) or PostgreSQL, from DatabaseConfig.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
 * first statement (`writeTransaction`) and others wait for it under busy_timeout.
 */
const SQLITE_POOL_SIZE = 4;

interface SqliteConnection {
  exec(sql: string, cb: (err: Error | null) => void): void;
  configure(option: 'busyTimeout', value: number): void;
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
          conn.exec(
            `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`,
            (err) => done(err, conn),
          );
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

/**
 * Runs `work` in a transaction that holds the write lock from its first statement.
 * knex opens SQLite transactions with a deferred BEGIN; one that reads first and writes later
 * gets SQLITE_BUSY at once (no busy wait) when another process wrote in between. A write as
 * the first statement takes the lock up front, and waits for it under busy_timeout.
 */
export function writeTransaction<T>(db: Db, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    if (isSqlite(trx)) await trx.raw('UPDATE app_settings SET key = key WHERE 0');
    return work(trx);
  });
}
