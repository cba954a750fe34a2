import type { Knex } from 'knex';

export const SIMCARD_STATUSES = ['in_stock', 'assigned', 'sold', 'blocked'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('simcards', (t) => {
    t.increments('id');
    t.string('iccid', 20).notNullable().unique();
    t.string('msisdn', 13).unique();
    t.string('operator', 32);
    t.string('tariff', 64);
    t.integer('price');
    t.string('batch_id', 64);
    t.integer('shop_id').unsigned().references('id').inTable('shops').onDelete('RESTRICT');
    t.string('status', 16)
      .notNullable()
      .defaultTo('in_stock')
      .checkIn([...SIMCARD_STATUSES], 'simcards_status_check');
    t.string('provider_status', 16);
    t.timestamp('activated_at', { useTz: true });
    t.timestamp('sold_at', { useTz: true });
    t.timestamp('assigned_at', { useTz: true });
    t.timestamp('last_checked_at', { useTz: true });
    t.string('last_check_error', 500);
    t.text('notes');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['shop_id', 'status']);
    t.index(['status']);
    t.index(['operator']);
    t.index(['batch_id']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('simcards');
}
