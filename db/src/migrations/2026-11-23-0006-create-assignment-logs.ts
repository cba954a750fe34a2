import type { Knex } from 'knex';

/** Every move of a SIM between stock and shops: who moved it, from where, to where, when. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assignment_logs', (t) => {
    t.increments('id');
    // Kept (with the ICCID) when the SIM or a shop is deleted: the history outlives them.
    t.integer('simcard_id').unsigned().references('id').inTable('simcards').onDelete('SET NULL');
    t.string('iccid', 20).notNullable();
    t.integer('from_shop_id').unsigned().references('id').inTable('shops').onDelete('SET NULL');
    t.integer('to_shop_id').unsigned().references('id').inTable('shops').onDelete('SET NULL');
    t.string('action', 16).notNullable().checkIn(['assigned', 'transferred', 'returned'], 'assignment_logs_action_check');
    t.integer('user_id').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['simcard_id', 'created_at']);
    t.index(['to_shop_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('assignment_logs');
}
