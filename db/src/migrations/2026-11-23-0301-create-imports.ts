import type { Knex } from 'knex';

export const IMPORT_FORMATS = ['json', 'csv', 'xlsx', 'text'] as const;
export const IMPORT_STATUSES = ['completed', 'rejected'] as const;

/**
 * One row per import request that was carried out (dry runs write nothing): who, when, which
 * file, and the report. SIMs it inserted carry its `batch_id` (`import-<id>`), so
 * `GET /simcards?batch_id=import-7` lists them. A strict import refused for bad rows is kept
 * as `rejected`, with its report, and inserted nothing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('imports', (t) => {
    t.increments('id');
    // Set once the id is known (`import-<id>`); null for a rejected import, which made no batch.
    t.string('batch_id', 64).unique();
    t.string('status', 16)
      .notNullable()
      .checkIn([...IMPORT_STATUSES], 'imports_status_check');
    // Kept (with the username) when the user is deleted: the history outlives them.
    t.integer('user_id').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('username', 64).notNullable();
    t.string('file_name', 255);
    t.string('format', 8)
      .notNullable()
      .checkIn([...IMPORT_FORMATS], 'imports_format_check');
    t.string('mode', 8).notNullable().checkIn(['partial', 'strict'], 'imports_mode_check');
    t.boolean('check_digit_absent').notNullable().defaultTo(false);
    t.integer('shop_id').unsigned().references('id').inTable('shops').onDelete('SET NULL');
    t.bigInteger('size_bytes').notNullable().defaultTo(0);
    t.integer('received').notNullable().defaultTo(0);
    t.integer('inserted').notNullable().defaultTo(0);
    t.integer('skipped_existing').notNullable().defaultTo(0);
    t.integer('duplicates_in_file').notNullable().defaultTo(0);
    t.integer('invalid_rows').notNullable().defaultTo(0);
    t.integer('warning_count').notNullable().defaultTo(0);
    // The whole report as JSON (its lists are capped, so it stays small).
    t.text('report').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('imports');
}
