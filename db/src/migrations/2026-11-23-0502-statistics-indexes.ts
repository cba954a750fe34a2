import type { Knex } from 'knex';

/**
 * Indexes for the statistics, anomaly and log endpoints: each figure is an aggregate over an
 * index range (or an index alone), never a scan of the whole table. Partial indexes (both
 * dialects have them) keep the rare cases (unsold SIMs at a shop, failed checks) small.
 */
const INDEXES: [name: string, sql: string][] = [
  // SIMs at a shop and not sold: "still in the shop", per shop.
  ['simcards_in_shop', 'simcards (shop_id) where shop_id is not null and sold_at is null'],
  // Totals by status and by operator (the status index exists; this one covers the operator totals' status split).
  ['simcards_operator_status', 'simcards (operator, status)'],
  // Assigned and unsold for long: a range on assigned_at within status = assigned, grouped by shop.
  ['simcards_status_assigned_at', 'simcards (status, assigned_at, shop_id)'],
  ['simcards_provider_status', 'simcards (provider_status) where provider_status is not null'],
  // Log filters, each ordered newest first.
  ['status_check_logs_iccid', 'status_check_logs (iccid, checked_at)'],
  ['status_check_logs_new_status', 'status_check_logs (new_status, checked_at)'],
  ['status_check_logs_source', 'status_check_logs (source, checked_at)'],
  ['status_check_logs_run', 'status_check_logs (run_id, checked_at)'],
  ['status_check_logs_errors', 'status_check_logs (checked_at) where error_message is not null'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, target] of INDEXES) await knex.raw(`create index ${name} on ${target}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of INDEXES) await knex.raw(`drop index ${name}`);
}
