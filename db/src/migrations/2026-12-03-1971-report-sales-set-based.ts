import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * An operator's activation report sells tens of thousands of SIMs at once (issue 15). The sale's
 * bookkeeping is kept by row triggers (credit 0501, per-day sales 0504, SIM counters 0801 on
 * SQLite, the log's row count 0803 on SQLite, commissions 1701, commission days 1702): about
 * twenty statements a SIM, 3.8× the SIM import's time for 100,000 rows. The report does the same
 * work itself with a few set statements per chunk (activationReportsRepository.recordSales), so
 * those row triggers step aside while it does:
 *
 * - `report_sale_stage`: the chunk being sold (SIM, report date, what the SIM was, its credit);
 *   rows live only inside the report's transaction (deleted before it commits).
 * - A switch only the report's own transaction can see: on SQLite a row in `report_sale_writes`
 *   (inserted and deleted inside its write transaction; no other connection writes meanwhile, and
 *   non-TEMP triggers can read only main-schema tables); on PostgreSQL the transaction-local
 *   setting `simcard.report_sales` (`set_config(…, true)`; a PostgreSQL trigger's WHEN cannot
 *   hold a subquery). Every other writer (a check, an import, a script) leaves it off and the
 *   triggers run exactly as before.
 *
 * The statement-level triggers of PostgreSQL (SIM counters, row counts) are already set-based
 * and stay on. Only the sale's own insert into sale_commissions skips its per-day trigger: a
 * delete or an update of a commission still keeps the per-day sums.
 *
 * SQLite cannot alter a trigger: each is recreated from its stored definition with the switch
 * added to its WHEN clause, so its body stays the one its own migration wrote.
 */
const SQLITE_TRIGGERS = [
  'simcards_credit_sale_update',
  'shop_sales_daily_update',
  'simcard_tallies_update',
  'sale_commissions_update',
  'commission_daily_insert',
  'status_check_logs_count_insert',
];
const SQLITE_GUARD = 'not exists (select 1 from report_sale_writes)';
const PG_GUARD = "coalesce(current_setting('simcard.report_sales', true), '') <> 'on'";
const PG_CHANGED =
  'OLD.sold_at is distinct from NEW.sold_at or OLD.sold_shop_id is distinct from NEW.sold_shop_id or OLD.sold_shop_since is distinct from NEW.sold_shop_since';

/** A stored `create trigger` with `guard` added to (or removed from) its WHEN clause. */
export function guardTrigger(sql: string, guard: string, add: boolean): string {
  const begin = sql.search(/\sbegin\s/i);
  if (begin < 0) throw new Error('trigger without a body');
  const head = sql.slice(0, begin);
  const body = sql.slice(begin);
  const when = head.search(/\swhen\s/i);
  if (add) {
    if (when < 0) return `${head} when ${guard}${body}`;
    return `${head.slice(0, when)} when (${head.slice(when + 6).trim()}) and ${guard}${body}`;
  }
  if (head.endsWith(` when ${guard}`)) return head.slice(0, -` when ${guard}`.length) + body;
  const m = /^([\s\S]*?)\swhen \(([\s\S]*)\) and (.*)$/i.exec(head);
  if (!m || m[3] !== guard) return sql;
  return `${m[1]} when ${m[2]}${body}`;
}

async function reguardSqlite(knex: Knex, add: boolean): Promise<void> {
  for (const name of SQLITE_TRIGGERS) {
    const row = (await knex('sqlite_master').where({ type: 'trigger', name }).first('sql')) as { sql: string } | undefined;
    if (!row) throw new Error(`trigger ${name} not found`);
    const sql = guardTrigger(row.sql, SQLITE_GUARD, add);
    if (sql === row.sql) continue;
    await knex.raw(`drop trigger ${name}`);
    await knex.raw(sql);
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_sale_stage', (t) => {
    t.integer('simcard_id').primary();
    t.timestamp('sold_at', { useTz: true }).notNullable();
    // What the SIM was before the sale (the log's previous status; SQLite's counters).
    t.string('prev_status', 16);
    t.integer('shop_id');
    t.string('operator', 32);
    // The shop credited with the sale and since when it held the SIM (migration 0501's rule).
    t.integer('credit_shop');
    t.timestamp('credit_since', { useTz: true });
  });
  if (isSqlite(knex)) {
    await knex.schema.createTable('report_sale_writes', (t) => {
      t.integer('id').primary();
    });
    await reguardSqlite(knex, true);
    return;
  }
  await knex.raw('drop trigger simcards_credit_sale on simcards');
  await knex.raw(
    `create trigger simcards_credit_sale before insert or update of sold_at on simcards for each row when (${PG_GUARD}) execute function simcards_credit_sale()`,
  );
  await knex.raw('drop trigger shop_sales_daily_update on simcards');
  await knex.raw(
    `create trigger shop_sales_daily_update after update on simcards for each row when ((${PG_CHANGED}) and ${PG_GUARD}) execute function shop_sales_daily_apply()`,
  );
  await knex.raw('drop trigger sale_commissions_apply on simcards');
  await knex.raw(
    `create trigger sale_commissions_apply after insert or update of sold_at on simcards for each row when (${PG_GUARD}) execute function sale_commissions_apply()`,
  );
  await knex.raw('drop trigger commission_daily_apply on sale_commissions');
  await knex.raw(
    'create trigger commission_daily_apply after update or delete on sale_commissions for each row execute function commission_daily_apply()',
  );
  await knex.raw(
    `create trigger commission_daily_insert after insert on sale_commissions for each row when (${PG_GUARD}) execute function commission_daily_apply()`,
  );
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    await reguardSqlite(knex, false);
    await knex.schema.dropTable('report_sale_writes');
  } else {
    await knex.raw('drop trigger simcards_credit_sale on simcards');
    await knex.raw(
      'create trigger simcards_credit_sale before insert or update of sold_at on simcards for each row execute function simcards_credit_sale()',
    );
    await knex.raw('drop trigger shop_sales_daily_update on simcards');
    await knex.raw(
      `create trigger shop_sales_daily_update after update on simcards for each row when (${PG_CHANGED}) execute function shop_sales_daily_apply()`,
    );
    await knex.raw('drop trigger sale_commissions_apply on simcards');
    await knex.raw(
      'create trigger sale_commissions_apply after insert or update of sold_at on simcards for each row execute function sale_commissions_apply()',
    );
    await knex.raw('drop trigger commission_daily_insert on sale_commissions');
    await knex.raw('drop trigger commission_daily_apply on sale_commissions');
    await knex.raw(
      'create trigger commission_daily_apply after insert or update or delete on sale_commissions for each row execute function commission_daily_apply()',
    );
  }
  await knex.schema.dropTable('report_sale_stage');
}
