import type { Knex } from 'knex';

/**
 * Every change made through the admin surface: who (a user, an API key, or the command line),
 * what, on which entity, the row before and after as JSON text (the same on both dialects),
 * and when. Rows outlive the users and keys they name.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id');
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('actor_user_id').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.integer('actor_api_key_id').unsigned().references('id').inTable('api_keys').onDelete('SET NULL');
    // Kept as text too: the name still reads right after the user is deleted.
    t.string('actor_name', 120).notNullable();
    t.string('action', 32).notNullable();
    t.string('entity', 32).notNullable();
    t.string('entity_id', 64);
    t.text('before');
    t.text('after');
    t.string('request_id', 128);
    // The filters of GET /audit, each newest first.
    t.index(['entity', 'entity_id', 'id']);
    t.index(['actor_user_id', 'id']);
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
