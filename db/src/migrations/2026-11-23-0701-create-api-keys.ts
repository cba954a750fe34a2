import type { Knex } from 'knex';

/**
 * Keys for integrations. Only a SHA-256 of the key is kept (the key is 256 random bits, so a
 * slow hash adds nothing) and a short prefix to recognize it by. A revoked key keeps its row,
 * for the audit trail; it is refused from the moment `revoked_at` is set.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable();
    t.string('prefix', 16).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.string('role', 8).notNullable().checkIn(['read', 'admin'], 'api_keys_role_check');
    // The admin the key acts for; the key stops working when that admin is gone or no longer an admin.
    t.integer('created_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_keys');
}
