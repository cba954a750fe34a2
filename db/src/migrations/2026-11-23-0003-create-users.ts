import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('username', 64).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    t.string('role', 8).notNullable().checkIn(['admin', 'staff'], 'users_role_check');
    t.integer('shop_id').unsigned().references('id').inTable('shops').onDelete('RESTRICT');
    t.string('full_name', 120);
    t.boolean('is_active').notNullable().defaultTo(true);
    // Bumped on deactivation, role, shop or password change: older tokens stop working.
    t.integer('token_version').notNullable().defaultTo(0);
    t.timestamp('last_login_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['shop_id']);
    // A staff user belongs to exactly one shop.
    t.check("role = 'admin' OR shop_id IS NOT NULL", [], 'users_staff_shop_check');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
