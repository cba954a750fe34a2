import type { Knex } from 'knex';

/**
 * A SIM is logged at most once per run, even when a run interrupted by a crash is resumed and
 * rechecks SIMs it had already done. (Checks outside a run have run_id NULL: never in conflict.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('status_check_logs', (t) => {
    t.unique(['run_id', 'simcard_id'], { indexName: 'status_check_logs_once_per_run' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('status_check_logs', (t) => {
    t.dropUnique(['run_id', 'simcard_id'], 'status_check_logs_once_per_run');
  });
}
