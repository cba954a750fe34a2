import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * An index for every sort the SIM list allows, so that a page (even a deep offset) walks an
 * index instead of sorting a million rows. The list orders by (column, id):
 * - SQLite: every index ends with the rowid (= id), so an index on the column alone serves
 *   both keys; only the columns without one get one. And one on id alone: a deep offset in id
 *   order then walks 500,000 entries of that small index (8 ms) instead of the table (140 ms).
 * - PostgreSQL: the index needs id as its second column, else ties (4 statuses over a million
 *   SIMs) are sorted at query time. The single-column indexes of 0005 are replaced by their
 *   (column, id) forms, which serve the same equality filters.
 */
const SQLITE_NEW = ['id', 'price', 'updated_at', 'assigned_at', 'sold_at', 'last_checked_at'];
const PG_REPLACED = ['status', 'operator', 'batch_id', 'created_at'];
const PG_NEW = [...PG_REPLACED, 'msisdn', 'price', 'updated_at', 'assigned_at', 'sold_at', 'last_checked_at'];

export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    for (const c of SQLITE_NEW) await knex.raw(`create index simcards_sort_${c} on simcards (${c})`);
    return;
  }
  for (const c of PG_NEW) await knex.raw(`create index simcards_sort_${c} on simcards (${c}, id)`);
  for (const c of PG_REPLACED) await knex.raw(`drop index simcards_${c}_index`);
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    for (const c of SQLITE_NEW) await knex.raw(`drop index simcards_sort_${c}`);
    return;
  }
  for (const c of PG_REPLACED) await knex.raw(`create index simcards_${c}_index on simcards (${c})`);
  for (const c of PG_NEW) await knex.raw(`drop index simcards_sort_${c}`);
}
