import type { Knex } from 'knex';

/**
 * Indexes for anomaly kinds that would otherwise read every SIM, or every sold one:
 * - numbers outside their operator's prefixes: ranges of (operator, msisdn) around the
 *   operator's own prefixes, so only the (rare) mismatches are read, from the index alone (id included);
 * - SIMs activated before the credited shop received them: a partial index of exactly those.
 *   Its condition alone (no `sold_at is not null`, which sold_shop_since implies): with that
 *   term SQLite's planner prefers the sold_at index and reads every sold SIM;
 * - unsold SIMs per shop by age: (status, shop_id, assigned_at) serves the GROUP BY shop_id
 *   from the index alone; without it SQLite walks (shop_id, status) and reads the table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index simcards_operator_msisdn on simcards (operator, msisdn, id) where msisdn is not null');
  await knex.raw('create index simcards_activated_before_assignment on simcards (id) where activated_at < sold_shop_since');
  await knex.raw('create index simcards_status_shop_assigned_at on simcards (status, shop_id, assigned_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index simcards_operator_msisdn');
  await knex.raw('drop index simcards_activated_before_assignment');
  await knex.raw('drop index simcards_status_shop_assigned_at');
}
