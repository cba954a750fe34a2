import type { Knex } from 'knex';

export const DISCREPANCY_KINDS = [
  'unknown_iccid',
  'activated_in_stock',
  'sold_on_other_date',
  'other_msisdn',
  'other_operator',
  'activated_before_assignment',
  'invalid_row',
] as const;

/**
 * Operators' activation reports (issue 15): each kept with who brought it in and when, its
 * figures, and the discrepancies the dealer must chase (one row each, paginated and exported).
 * A sale a report makes is marked `simcards.sale_source = 'report'` and logged with
 * `status_check_logs.source = 'report'` (the row the live feed announces, as a check's sale).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('activation_reports', (t) => {
    t.increments('id');
    t.string('operator', 32);
    t.string('file_name', 255);
    t.string('format', 8).notNullable();
    t.integer('uploaded_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('uploaded_by_name', 120).notNullable();
    t.timestamp('uploaded_at', { useTz: true }).notNullable();
    t.integer('rows_total').notNullable().defaultTo(0);
    t.integer('sold_count').notNullable().defaultTo(0);
    t.integer('already_sold_count').notNullable().defaultTo(0);
    t.integer('discrepancy_count').notNullable().defaultTo(0);
    // Discrepancies by kind, as JSON: the summary without counting the list again.
    t.text('counts').notNullable();
    t.index(['uploaded_at', 'id'], 'activation_reports_uploaded_idx');
  });
  await knex.schema.createTable('activation_report_discrepancies', (t) => {
    t.increments('id');
    t.integer('report_id').unsigned().notNullable().references('id').inTable('activation_reports').onDelete('CASCADE');
    t.integer('line').notNullable();
    t.string('iccid', 40);
    t.string('kind', 32)
      .notNullable()
      .checkIn([...DISCREPANCY_KINDS], 'activation_report_discrepancies_kind_check');
    t.integer('simcard_id').unsigned().references('id').inTable('simcards').onDelete('SET NULL');
    // What the report says and what we have, as JSON ({report: {...}, ours: {...}, reason}).
    t.text('detail').notNullable();
    t.index(['report_id', 'id'], 'activation_report_discrepancies_report_idx');
  });
  await knex.schema.alterTable('simcards', (t) => {
    t.string('sale_source', 8);
  });
  await setSourceCheck(knex, ['manual', 'bulk', 'auto', 'report']);
}

export async function down(knex: Knex): Promise<void> {
  await knex('status_check_logs').where({ source: 'report' }).delete();
  await setSourceCheck(knex, ['manual', 'bulk', 'auto']);
  // Raw: knex rebuilds a SQLite table to drop a column, which would drop its triggers.
  await knex.raw('alter table simcards drop column sale_source');
  await knex.schema.dropTable('activation_report_discrepancies');
  await knex.schema.dropTable('activation_reports');
}

/**
 * The allowed `status_check_logs.source` values. PostgreSQL replaces the named constraint.
 * SQLite cannot alter a CHECK; rebuilding the table would drop its counting triggers (0803), so
 * the stored definition is edited in place, the documented way for a change that leaves the
 * stored rows valid (sqlite.org/lang_altertable.html, "writable_schema").
 */
async function setSourceCheck(knex: Knex, values: string[]): Promise<void> {
  const list = values.map((v) => `'${v}'`).join(', ');
  if (knex.client.config.client !== 'sqlite3') {
    await knex.raw('alter table status_check_logs drop constraint if exists status_check_logs_source_check');
    await knex.raw(`alter table status_check_logs add constraint status_check_logs_source_check check (source in (${list}))`);
    return;
  }
  const row = (await knex('sqlite_master').where({ type: 'table', name: 'status_check_logs' }).first('sql')) as { sql: string };
  const sql = row.sql.replace(/(check\s*\(\s*[`"]?source[`"]?\s+in\s*\()[^)]*\)/i, `$1${list})`);
  if (sql === row.sql) {
    if (!/'report'/.test(row.sql) || values.includes('report')) return;
    throw new Error('status_check_logs: the source check was not found');
  }
  const version = ((await knex.raw('PRAGMA schema_version')) as Array<{ schema_version: number }>)[0]!.schema_version;
  await knex.raw('PRAGMA writable_schema = ON');
  try {
    await knex('sqlite_master').where({ type: 'table', name: 'status_check_logs' }).update({ sql });
    await knex.raw(`PRAGMA schema_version = ${version + 1}`);
  } finally {
    await knex.raw('PRAGMA writable_schema = OFF');
  }
}
