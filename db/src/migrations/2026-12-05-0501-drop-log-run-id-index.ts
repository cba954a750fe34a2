import type { Knex } from 'knex';

/**
 * `status_check_logs (run_id)` (0007) is a prefix of two later indexes on the log: the unique
 * `status_check_logs_once_per_run (run_id, simcard_id)` (0202) and `status_check_logs_run
 * (run_id, checked_at)` (0502). Every query on a run's log rows is served by one of them (a run's
 * counts, `where run_id = ?`; the run's SIMs joined on `(run_id, simcard_id)`; the log filtered by
 * run, newest first: db/test/log-run-index.test.ts asks each dialect's planner). Every log row
 * written (a check's, an operator report's: 100,000 at once) keeps one index less. The import
 * writes no log rows: this is the report's time only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index status_check_logs_run_id_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index status_check_logs_run_id_index on status_check_logs (run_id)');
}
