import type { Knex } from 'knex';

/**
 * Runs per operator (issue 15). A run may be limited to some operators (`operators`, a JSON
 * array of slugs; null = all) and counts the SIMs it skipped (`skipped`: no provider for their
 * operator, or an operator that failed every call until the run gave up on it).
 *
 * `check_run_operators` is a run's progress per SIM operator ('' = a SIM without one): how many
 * SIMs it had to check, how many are done, changed, failed and skipped, and why the skipped ones
 * were (`reason`: `no_provider`, or the operator's last failure when the run gave up on it, with
 * `message`). When each operator has its own provider, each is checked on its own lane with its
 * own cursor (`cursor_simcard_id`), so a resume continues each where it stopped; with one
 * provider for all, the run's own cursor is used and the rows only count.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('check_runs', (t) => {
    t.integer('skipped').notNullable().defaultTo(0);
    t.text('operators').nullable();
  });
  await knex.schema.createTable('check_run_operators', (t) => {
    t.integer('run_id').notNullable().references('id').inTable('check_runs').onDelete('CASCADE');
    t.string('operator', 32).notNullable();
    t.integer('total').notNullable().defaultTo(0);
    t.integer('done').notNullable().defaultTo(0);
    t.integer('changed').notNullable().defaultTo(0);
    t.integer('errors').notNullable().defaultTo(0);
    t.integer('skipped').notNullable().defaultTo(0);
    t.integer('cursor_simcard_id').notNullable().defaultTo(0);
    t.string('reason', 40).nullable();
    t.string('message', 500).nullable();
    t.primary(['run_id', 'operator']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('check_run_operators');
  await knex.schema.alterTable('check_runs', (t) => {
    t.dropColumn('operators');
    t.dropColumn('skipped');
  });
}
