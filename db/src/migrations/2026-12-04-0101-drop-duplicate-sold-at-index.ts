import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * PostgreSQL: `simcards_sold_at` (0501, `(sold_at) where sold_at is not null`) duplicates
 * `simcards_sort_sold_at` (1402, `(sold_at, id)`): every range on `sold_at` is served by the
 * latter just as well (EXPLAIN of every SIM query the repositories issue, on 300,000 SIMs:
 * the same plans on the other index, or better ones that need no sort). Every UPDATE of a SIM's
 * sale (an operator's report sells 100,000 at once) keeps one index less.
 *
 * SQLite keeps it: without statistics its planner takes the partial index for a `sold_at`
 * range, and without it walks a sort index over every SIM instead (the SIM list filtered by
 * sale date, the sales counts); the other index on `sold_at`, `simcards_sort_sold_at`, cannot go
 * either (it orders the list by sale date, unsold SIMs included).
 */
export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) return;
  await knex.raw('drop index simcards_sold_at');
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) return;
  await knex.raw('create index simcards_sold_at on simcards (sold_at) where sold_at is not null');
}
