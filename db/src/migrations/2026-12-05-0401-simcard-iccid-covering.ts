import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * PostgreSQL: the unique index on `iccid` also holds the id (`unique (iccid) include (id)`), as
 * the (column, id) sort indexes of 1402 do for every other sort. The list's ids-first step asks
 * for ids in ICCID order, and an ICCID-sorted page was then an index scan that read each entry's
 * row for its id: a deep page (offset 500,000 of 1,000,000 SIMs) read 500,000 rows, 0.3–0.6 s,
 * where an index-only scan walks the index alone (~25 ms, as by any other column). The search's
 * ICCID prefix ranges (`select id … where iccid >= ? and iccid < ?`) become index-only the same
 * way. Uniqueness is on `iccid` alone, as before (INCLUDE columns are not part of the key;
 * ON CONFLICT (iccid) still infers it), and the constraint keeps its name.
 *
 * SQLite: every index ends with the rowid (= id) already.
 */
export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) return;
  await knex.raw('alter table simcards add constraint simcards_iccid_covering unique (iccid) include (id)');
  await knex.raw('alter table simcards drop constraint simcards_iccid_unique');
  await knex.raw('alter table simcards rename constraint simcards_iccid_covering to simcards_iccid_unique');
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) return;
  await knex.raw('alter table simcards add constraint simcards_iccid_plain unique (iccid)');
  await knex.raw('alter table simcards drop constraint simcards_iccid_unique');
  await knex.raw('alter table simcards rename constraint simcards_iccid_plain to simcards_iccid_unique');
}
