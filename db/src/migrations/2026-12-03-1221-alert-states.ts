import type { Knex } from 'knex';

/**
 * Where each alert episode stands (issue 12): `provider` is `up` or `down`, `data` is `fresh` or
 * `stale`. An alert is queued only by the one writer that moves its row from one state to the
 * other (an UPDATE … WHERE state = <old>), in the transaction that queues its deliveries: one
 * alert per episode, however many status API processes see the outage.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alert_states', (t) => {
    t.string('name', 32).primary();
    t.string('state', 16).notNullable();
    t.timestamp('since', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('alert_states');
}
