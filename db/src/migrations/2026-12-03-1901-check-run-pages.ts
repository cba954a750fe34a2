import type { Knex } from 'knex';

/**
 * Check runs shared by workers (issue 18). A run is split into pages: a range of SIM ids
 * (`after_id`, `up_to_id`] of one lane (`*`: every SIM of the run with one provider for all;
 * else an operator). A worker claims a page (`status` claimed, `worker`, `heartbeat_at`) and
 * beats for it; a page whose worker has not beaten for a lease is claimed by another worker,
 * which goes on from the page's `cursor_id` (every SIM up to it settled, `done` of them).
 * `claims` counts how often the page was claimed. A lane whose operator failed for too long has
 * its remaining pages `given_up` (with the reason in `message`): a resume makes them pending.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('check_run_pages', (t) => {
    t.increments('id').primary();
    t.integer('run_id').notNullable().references('id').inTable('check_runs').onDelete('CASCADE');
    t.string('lane', 64).notNullable();
    t.integer('after_id').notNullable();
    /** Null: no upper bound (the lane's last page, which also takes SIMs added during the run). */
    t.integer('up_to_id');
    t.integer('cursor_id').notNullable();
    t.integer('done').notNullable().defaultTo(0);
    t.string('status', 16)
      .notNullable()
      .defaultTo('pending')
      .checkIn(['pending', 'claimed', 'done', 'given_up'], 'check_run_pages_status_check');
    t.string('worker', 200);
    t.timestamp('heartbeat_at', { useTz: true });
    t.integer('claims').notNullable().defaultTo(0);
    t.string('message', 500);
    t.unique(['run_id', 'lane', 'after_id'], { indexName: 'check_run_pages_range' });
    t.index(['run_id', 'status'], 'check_run_pages_run_status');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('check_run_pages');
}
