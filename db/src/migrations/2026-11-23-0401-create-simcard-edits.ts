import type { Knex } from 'knex';

/**
 * Field edits of a SIM card (not moves: those are in assignment_logs), for its history:
 * who changed which fields from what to what, and when. `changes` is JSON text
 * (`[{"field","from","to"}]`) so one column type serves SQLite and PostgreSQL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('simcard_edits', (t) => {
    t.increments('id');
    // Kept (with the ICCID) when the SIM or the user is deleted, like assignment_logs.
    t.integer('simcard_id').unsigned().references('id').inTable('simcards').onDelete('SET NULL');
    t.string('iccid', 20).notNullable();
    t.integer('user_id').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.text('changes').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['simcard_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('simcard_edits');
}
