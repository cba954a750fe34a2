import type { Knex } from 'knex';
import { isSqlite } from './connection.js';
import { type Migration, migrations } from './migrations/index.js';

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

const TABLE = 'knex_migrations';
const LOCK_TABLE = `${TABLE}_lock`;

const config: Knex.MigratorConfig = { migrationSource, tableName: TABLE };

/**
 * knex creates its bookkeeping (the migrations table, the lock table and the lock table's one
 * row) by checking and then creating. Two processes starting on a fresh database both create:
 * one fails ("already exists"), or both insert a lock row, after which the lock can never be
 * taken again. So they are created here first, the same tables knex would make, idempotently
 * and one process at a time; knex then finds them in place.
 */
async function ensureBookkeeping(db: Knex, schema: string | undefined): Promise<void> {
  const creates = [
    db.schema.createTable(TABLE, (t) => {
      t.increments();
      t.string('name');
      t.integer('batch');
      t.timestamp('migration_time');
    }),
    db.schema.createTable(LOCK_TABLE, (t) => {
      t.increments('index').primary();
      t.integer('is_locked');
    }),
  ].flatMap((builder) =>
    builder.toSQL().map(({ sql }) => {
      if (!/^create table /i.test(sql)) throw new Error(`unexpected DDL for the migration tables: ${sql}`);
      return sql.replace(/^create table /i, 'create table if not exists ');
    }),
  );
  const run = async (q: Knex | Knex.Transaction) => {
    for (const sql of creates) await q.raw(sql);
    await q.raw('insert into ?? (is_locked) select 0 where not exists (select 1 from ??)', [LOCK_TABLE, LOCK_TABLE]);
  };
  // SQLite: each statement above is atomic on its own (it takes the write lock, waiting under
  // busy_timeout, and re-reads the schema). PostgreSQL: IF NOT EXISTS races, so an advisory lock
  // held for the transaction serializes the processes.
  if (isSqlite(db)) return run(db);
  await db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`simcard-migrations:${schema ?? ''}`]);
    if (schema) await trx.raw('create schema if not exists ??', [schema]);
    await run(trx);
  });
}

/**
 * Applies pending migrations. Both services do this at start; when they start together one
 * holds knex's migration lock and the other waits for it instead of failing.
 */
export async function migrateToLatest(db: Knex, { waitMs = 60_000 } = {}): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  // A PostgreSQL schema chosen in DATABASE_URL (?schema=) is created on first start.
  const searchPath = db.client.config.searchPath as string[] | undefined;
  await ensureBookkeeping(db, searchPath?.[0]);
  for (;;) {
    try {
      const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
      return applied;
    } catch (err) {
      // Another instance is migrating: knex's lock row says so, or (SQLite) its migration holds
      // the write lock longer than our busy timeout (10 s: a slow, loaded machine).
      const waiting = (err as Error).name === 'MigrationLocked' || (err as { code?: string }).code === 'SQLITE_BUSY';
      if (!waiting || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Rolls back every migration (tests, and `npm run db:migrate -- down`). */
export async function rollbackAll(db: Knex): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback(config, true)) as [number, string[]];
  return undone;
}

export async function migrationStatus(db: Knex): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await db.migrate.list(config)) as [Array<{ name: string }>, Migration[]];
  return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.name) };
}
