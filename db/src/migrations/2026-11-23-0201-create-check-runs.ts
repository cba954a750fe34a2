import type { Knex } from 'knex';

export const CHECK_RUN_STATUSES = ['running', 'completed', 'cancelled', 'failed', 'interrupted'] as const;

/** Auto-check runs: progress, history, and where to resume after a crash. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('check_runs', (t) => {
    t.increments('id');
    t.string('status', 16)
      .notNullable()
      .checkIn([...CHECK_RUN_STATUSES], 'check_runs_status_check');
    t.string('trigger', 16).notNullable().checkIn(['manual', 'scheduled'], 'check_runs_trigger_check');
    // Whether sold and blocked SIMs are checked too (assigned and in-stock ones always are).
    t.boolean('include_sold').notNullable().defaultTo(false);
    t.integer('total').notNullable().defaultTo(0);
    t.integer('done').notNullable().defaultTo(0);
    t.integer('changed').notNullable().defaultTo(0);
    t.integer('errors').notNullable().defaultTo(0);
    // Every candidate SIM with id <= cursor has been checked: a resumed run continues after it.
    t.integer('cursor_simcard_id').notNullable().defaultTo(0);
    t.boolean('cancel_requested').notNullable().defaultTo(false);
    t.string('error_message', 500);
    t.integer('created_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['started_at']);
  });
  // At most one run at a time, enforced by the database (both dialects support partial indexes).
  await knex.raw(`create unique index check_runs_one_running on check_runs (status) where status = 'running'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('check_runs');
}
