import type { Knex } from 'knex';
import { migrations, type Migration } from './migrations/index.js';

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

const config: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

/**
 * Applies pending migrations. Both services do this at start; when they start together one
 * holds knex's migration lock and the other waits for it instead of failing.
 */
export async function migrateToLatest(db: Knex, { waitMs = 60_000 } = {}): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  // A PostgreSQL schema chosen in DATABASE_URL (?schema=) is created on first start.
  const searchPath = db.client.config.searchPath as string[] | undefined;
  if (searchPath?.[0]) await db.raw('create schema if not exists ??', [searchPath[0]]);
  for (;;) {
    try {
      const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
      return applied;
    } catch (err) {
      if ((err as Error).name !== 'MigrationLocked' || Date.now() > deadline) throw err;
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
