import type { Knex } from 'knex';

/**
 * An operator's activation report (issue 15) stages each chunk of SIMs it sells in
 * `report_sale_stage` (migration 1971). The commission (operator and tariff pick the rule) and the
 * live-feed log row (the ICCID) were read back from `simcards` by a join per statement; on
 * PostgreSQL, right after a large import (not yet analyzed), each join scanned the whole table
 * (EXPLAIN ANALYZE: ~50 ms a statement, 4 statements a chunk). The stage now keeps the SIM's
 * ICCID and tariff from the one read that stages it. Its rows live only inside the report's
 * transaction, so the table is always empty here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('report_sale_stage', (t) => {
    t.string('iccid', 20);
    t.string('tariff', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('report_sale_stage', (t) => {
    t.dropColumn('iccid');
    t.dropColumn('tariff');
  });
}
