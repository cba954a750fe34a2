import type { Knex } from 'knex';

/**
 * Several status API workers on one database (issue 18). A running run names the worker that
 * holds it (`worker`, its INSTANCE_ID) and when that worker last said it was alive
 * (`heartbeat_at`): another worker takes the run over only once the heartbeat is older than the
 * lease, never because it has just started. `schedules` holds when each shared schedule next
 * fires: the one worker whose UPDATE moves `next_due_at` on starts the run, whatever the number
 * of workers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('check_runs', (t) => {
    t.string('worker', 200);
    t.timestamp('heartbeat_at', { useTz: true });
  });
  await knex.schema.createTable('schedules', (t) => {
    t.string('name', 64).primary();
    t.timestamp('next_due_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('schedules');
  await knex.schema.alterTable('check_runs', (t) => {
    t.dropColumn('heartbeat_at');
    t.dropColumn('worker');
  });
}
