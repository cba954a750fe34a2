import type { Knex } from 'knex';

/** Every status change and every failed check against the operator (docs/domain.md#data-model). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('status_check_logs', (t) => {
    t.increments('id');
    t.integer('simcard_id').unsigned().references('id').inTable('simcards').onDelete('SET NULL');
    t.string('iccid', 20).notNullable();
    t.string('previous_status', 16);
    t.string('new_status', 16);
    t.boolean('changed').notNullable().defaultTo(false);
    t.string('error_message', 500);
    t.string('source', 8).notNullable().checkIn(['manual', 'bulk', 'auto'], 'status_check_logs_source_check');
    t.integer('run_id');
    t.integer('response_ms');
    t.timestamp('checked_at', { useTz: true }).notNullable();
    t.index(['simcard_id', 'checked_at']);
    t.index(['checked_at']);
    t.index(['run_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('status_check_logs');
}
