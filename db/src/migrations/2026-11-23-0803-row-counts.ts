import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * Row counts of tables that only grow large, kept by the database: the status check log reaches
 * millions of rows, and counting them for every unfiltered page of `GET /logs/status-changes`
 * costs a scan of them all (70+ ms at 2 million on PostgreSQL, growing with the log).
 *
 * Kept like the SIM counters (migration 0801): on SQLite one row per table, updated in place by
 * row triggers; on PostgreSQL each inserting or deleting statement appends its net change (a
 * statement trigger over the transition table), so the status API's concurrent log writes never
 * wait on a shared row; readers sum, and fold the appended rows now and then.
 */
const COUNTED_TABLES = ['status_check_logs'] as const;

export async function up(knex: Knex): Promise<void> {
  const sqlite = isSqlite(knex);
  await knex.schema.createTable('row_counts', (t) => {
    t.string('table_name', 64).notNullable();
    t.bigInteger('n').notNullable();
    if (sqlite) t.primary(['table_name']);
    else t.index(['table_name']);
  });
  if (!sqlite) {
    await knex.raw(`
      create function row_counts_apply() returns trigger language plpgsql as $$
      begin
        if TG_OP = 'INSERT' then
          insert into row_counts (table_name, n) select TG_TABLE_NAME, count(*) from new_rows having count(*) > 0;
        else
          insert into row_counts (table_name, n) select TG_TABLE_NAME, -count(*) from old_rows having count(*) > 0;
        end if;
        return null;
      end $$`);
  }
  for (const table of COUNTED_TABLES) {
    if (sqlite) {
      await knex.raw(
        `create trigger ${table}_count_insert after insert on ${table} begin update row_counts set n = n + 1 where table_name = '${table}'; end`,
      );
      await knex.raw(
        `create trigger ${table}_count_delete after delete on ${table} begin update row_counts set n = n - 1 where table_name = '${table}'; end`,
      );
    } else {
      await knex.raw(
        `create trigger ${table}_count_insert after insert on ${table} referencing new table as new_rows for each statement execute function row_counts_apply()`,
      );
      await knex.raw(
        `create trigger ${table}_count_delete after delete on ${table} referencing old table as old_rows for each statement execute function row_counts_apply()`,
      );
    }
    await knex.raw(`insert into row_counts (table_name, n) select '${table}', count(*) from ${table}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  const sqlite = isSqlite(knex);
  for (const table of COUNTED_TABLES) {
    for (const t of ['insert', 'delete'])
      await knex.raw(sqlite ? `drop trigger ${table}_count_${t}` : `drop trigger ${table}_count_${t} on ${table}`);
  }
  if (!sqlite) await knex.raw('drop function row_counts_apply()');
  await knex.schema.dropTable('row_counts');
}
