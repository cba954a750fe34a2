import type { Knex } from 'knex';

/**
 * Every operator call counted (issue 12): made, answered, changed, failed, per quarter hour,
 * SIM operator, the shop holding the SIM (0: stock), source (auto = a run, manual, bulk) and run, without a log row per unchanged
 * check (status_check_logs keeps changes and failures only).
 *
 * The status API's write path (group commit, db/src/write-batcher.ts) adds one batch's counts
 * per key in the batch's own transaction, as an upsert: one writer per process at a time, so
 * no two transactions contend for a row. Quarter hours, not days: every time zone's midnight
 * falls on a quarter hour in UTC, so a dealer day (TIME_ZONE) is an exact range of buckets on
 * both databases, and changing TIME_ZONE needs no rewrite. `run_key` is the run's id, 0 for
 * checks outside runs, and `operator` '' when unknown (keys cannot be null).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('check_counts', (t) => {
    t.timestamp('bucket_at', { useTz: true }).notNullable();
    t.string('operator', 32).notNullable();
    t.integer('shop_key').notNullable();
    t.string('source', 8).notNullable();
    t.integer('run_key').notNullable();
    t.integer('made').notNullable().defaultTo(0);
    t.integer('answered').notNullable().defaultTo(0);
    t.integer('changed').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.primary(['bucket_at', 'operator', 'shop_key', 'source', 'run_key']);
    t.index(['run_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('check_counts');
}
