import type { Knex } from 'knex';

export const HANDOVER_DIRECTIONS = ['delivery', 'return'] as const;
export const HANDOVER_STATUSES = ['awaiting_confirmation', 'confirmed', 'confirmed_with_discrepancies'] as const;

/**
 * Handovers: a box of SIMs given to a shop (`delivery`) or brought back to stock (`return`),
 * written in the move's own transaction, and the receiving side's confirmation of what arrived.
 * `handover_items` holds the SIMs the document lists (`expected`) and, after the receipt, any
 * scanned that it did not list (`expected` false): missing and unexpected ones are what the
 * admin is shown. Names are copied so that the sheet outlives a deleted shop or user.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('handovers', (t) => {
    t.increments('id');
    // HO-<year>-<id, 6 digits>; set in the creating transaction once the id is known.
    t.string('number', 32).unique();
    t.string('direction', 16)
      .notNullable()
      .checkIn([...HANDOVER_DIRECTIONS], 'handovers_direction_check');
    t.string('status', 32)
      .notNullable()
      .checkIn([...HANDOVER_STATUSES], 'handovers_status_check');
    t.integer('shop_id').unsigned().references('id').inTable('shops').onDelete('SET NULL');
    t.string('shop_name', 255).notNullable();
    t.text('note');
    t.integer('sim_count').notNullable().defaultTo(0);
    t.integer('missing_count').notNullable().defaultTo(0);
    t.integer('unexpected_count').notNullable().defaultTo(0);
    t.integer('created_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_by_name', 120).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.integer('confirmed_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('confirmed_by_name', 120);
    t.timestamp('confirmed_at', { useTz: true });
    // The admin's "unconfirmed, oldest first" and a shop's own list.
    t.index(['status', 'created_at']);
    t.index(['shop_id', 'created_at']);
  });
  await knex.schema.createTable('handover_items', (t) => {
    t.increments('id');
    t.integer('handover_id').unsigned().notNullable().references('id').inTable('handovers').onDelete('CASCADE');
    t.integer('simcard_id').unsigned().references('id').inTable('simcards').onDelete('SET NULL');
    t.string('iccid', 20).notNullable();
    // false: scanned at the receipt but not on the sheet.
    t.boolean('expected').notNullable().defaultTo(true);
    // null until the receipt.
    t.boolean('received');
    t.unique(['handover_id', 'iccid']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('handover_items');
  await knex.schema.dropTable('handovers');
}
