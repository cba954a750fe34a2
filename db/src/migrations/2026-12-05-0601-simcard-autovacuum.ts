import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/** The table's own autovacuum thresholds (docs/postgresql.md, "Deep pages and autovacuum"). */
const SETTINGS = ['autovacuum_vacuum_scale_factor', 'autovacuum_vacuum_insert_scale_factor', 'autovacuum_analyze_scale_factor'];

/**
 * PostgreSQL: `simcards` is vacuumed (and analyzed) after 1% of its rows changed, not the default
 * 20% (10%). A deep page (`offset=500000`) is an index-only walk that skips the table only where
 * the visibility map says a page holds no changed row; every update clears that, and only a VACUUM
 * sets it again. With the defaults, 100,000 SIMs sold of 1,000,000 never start autovacuum
 * (200,050 dead rows needed) and every deep page reads the table: measured in
 * docs/postgresql.md. SQLite: nothing to do (no visibility map; its indexes hold the rowid).
 */
export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) return;
  await knex.raw(`alter table simcards set (${SETTINGS.map((s) => `${s} = 0.01`).join(', ')})`);
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) return;
  await knex.raw(`alter table simcards reset (${SETTINGS.join(', ')})`);
}
