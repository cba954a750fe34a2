import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shops', (t) => {
    t.increments('id');
    t.string('name', 120).notNullable();
    // Stored upper-case, so uniqueness is case-insensitive on both dialects.
    t.string('code', 16).notNullable().unique();
    t.string('city', 80);
    t.string('region', 80);
    t.string('address', 255);
    t.string('phone', 32);
    t.string('manager_name', 120);
    t.boolean('is_active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('shops');
}
