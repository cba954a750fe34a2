import type { Knex } from 'knex';

/**
 * A sale is dated by the operator's activation, not by the check that saw it (issue 12).
 *
 * - `simcards.sale_detected_at`: when we learned of the sale (the check's time), kept apart
 *   from `sold_at`, which is now the activation date whenever the operator gave a usable one.
 * - `simcards.sale_date_note`: why `sold_at` is not the operator's activation date (none given,
 *   or one in the future), null when it is.
 * - `status_check_logs.sale`: true on the one log row that recorded the SIM's first transition
 *   into sold, the sale. Later transitions (sold → blocked → sold) are logged as status changes
 *   and never announced again; the live feed reads this flag.
 *
 * Backfill: before this, `sold_at` was the check's time and `activated_at` the operator's date
 * from that check's answer (or the check's time again when the answer held none, which is how
 * the two are told apart). The first sale log row per SIM is flagged; `sale_detected_at` is
 * that row's time (else the old `sold_at`); `sold_at` moves to the activation date when the
 * answer held one that is not in the future. Moving `sold_at` re-runs the sale-credit and
 * per-day triggers (migrations 0501, 0504), so shop credit follows the activation date.
 */

/** How far an operator's clock may run ahead of ours before its date is refused. */
const CLOCK_SKEW_MS = 5 * 60_000;
const CHUNK = 500;
const NO_DATE = 'the operator gave no activation date: dated by the check';

function toMs(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
  return Number.isNaN(ms) ? null : ms;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('simcards', (t) => {
    t.timestamp('sale_detected_at', { useTz: true });
    t.string('sale_date_note', 200);
  });
  await knex.schema.alterTable('status_check_logs', (t) => {
    t.boolean('sale').notNullable().defaultTo(false);
  });

  // One sale for life: a sold SIM the operator blocked and later unblocked went back to its
  // shop (or stock) before, its sale kept; it is sold again, never movable nor resold.
  await knex('simcards').whereNotNull('sold_at').whereIn('status', ['assigned', 'in_stock']).update({ status: 'sold' });

  const firstSales = knex('status_check_logs')
    .min('id')
    .where('new_status', 'sold')
    .where((q) => q.whereNull('previous_status').orWhereNot('previous_status', 'sold'))
    .whereNotNull('simcard_id')
    .groupBy('simcard_id');
  await knex('status_check_logs').whereIn('id', firstSales).update({ sale: true });
  await knex.raw('create index status_check_logs_sales on status_check_logs (id) where sale');

  // Set-based where SQL can decide (a million SIMs must not mean a million statements).
  await knex.raw(`update simcards set sale_detected_at = coalesce(
      (select min(l.checked_at) from status_check_logs l where l.simcard_id = simcards.id and l.sale), sold_at)
    where sold_at is not null`);
  // The old code wrote the same value to both when the answer held no date.
  await knex('simcards')
    .whereNotNull('sold_at')
    .where((q) => q.whereNull('activated_at').orWhereRaw('activated_at = sold_at'))
    .update({ sale_date_note: NO_DATE });

  // The rest, in the process: the operator's date may carry any offset (SQLite kept it as text).
  let after = 0;
  for (;;) {
    const rows = (await knex('simcards')
      .select('id', 'sale_detected_at', 'activated_at')
      .whereNotNull('sold_at')
      .whereNotNull('activated_at')
      .whereRaw('activated_at <> sold_at')
      .where('id', '>', after)
      .orderBy('id')
      .limit(CHUNK)) as { id: number; sale_detected_at: unknown; activated_at: unknown }[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (const r of rows) {
      const detected = toMs(r.sale_detected_at)!;
      const activated = toMs(r.activated_at);
      if (activated === null) continue;
      if (activated > detected + CLOCK_SKEW_MS) {
        await knex('simcards')
          .where({ id: r.id })
          .update({
            sale_date_note: `the operator's activation date ${new Date(activated).toISOString()} is in the future: dated by the check`,
          });
      } else if (activated !== detected) {
        await knex('simcards')
          .where({ id: r.id })
          .update({ sold_at: new Date(activated).toISOString() });
      }
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  // Back to the check's time, as before.
  await knex('simcards')
    .whereNotNull('sale_detected_at')
    .update({ sold_at: knex.ref('sale_detected_at') });
  await knex.raw('drop index status_check_logs_sales');
  // Plain ALTER TABLE on both dialects: knex's SQLite column drop rebuilds the table, losing its triggers.
  await knex.raw('alter table status_check_logs drop column sale');
  await knex.raw('alter table simcards drop column sale_date_note');
  await knex.raw('alter table simcards drop column sale_detected_at');
}
