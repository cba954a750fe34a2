import type { Knex } from 'knex';

/**
 * `Idempotency-Key` (IETF draft): the first answer to a (user, route, key) is stored and a retry
 * gets it back without the work being done again. `request_hash` tells a retry (same body and
 * query) from a reuse of the key for another request (422); `completed_at` null means the first
 * request is still running (a retry then gets 409).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    t.increments('id');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('route', 64).notNullable();
    t.string('key', 255).notNullable();
    t.string('request_hash', 64).notNullable();
    t.integer('response_status');
    t.text('response_body');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('completed_at', { useTz: true });
    t.unique(['user_id', 'route', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
