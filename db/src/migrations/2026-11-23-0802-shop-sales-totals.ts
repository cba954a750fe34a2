import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * Sales per shop over all time, kept from the per-day rows (migration 0504) as they change, so
 * that ranking a thousand shops by sales (`GET /statistics/shops?sort=-sold`) reads a thousand
 * rows instead of summing every shop's every day (56,000 rows after two months).
 *
 * Triggers on shop_sales_daily add each row's change to its shop's total. Locking: a transaction
 * that credits a sale already holds the (shop, day) row; it now also holds the shop's total row,
 * taken right after. Sales are almost all credited to today, so two writers contending for a
 * shop's total would have contended for its (shop, today) row anyway.
 */
const COLUMNS = ['sold', 'timed', 'days_sum'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shop_sales_totals', (t) => {
    t.integer('shop_id').notNullable().primary();
    t.integer('sold').notNullable().defaultTo(0);
    t.integer('timed').notNullable().defaultTo(0);
    t.double('days_sum').notNullable().defaultTo(0);
  });

  const apply = (row: 'NEW' | 'OLD', sign: '+' | '-') => `insert into shop_sales_totals (shop_id, ${COLUMNS.join(', ')})
    values (${row}.shop_id, ${COLUMNS.map((c) => `${sign}${row}.${c}`).join(', ')})
    on conflict (shop_id) do update set ${COLUMNS.map((c) => `${c} = shop_sales_totals.${c} + excluded.${c}`).join(', ')}`;

  if (isSqlite(knex)) {
    await knex.raw(`create trigger shop_sales_totals_insert after insert on shop_sales_daily begin ${apply('NEW', '+')}; end`);
    await knex.raw(
      `create trigger shop_sales_totals_update after update on shop_sales_daily begin ${apply('OLD', '-')}; ${apply('NEW', '+')}; end`,
    );
    await knex.raw(`create trigger shop_sales_totals_delete after delete on shop_sales_daily begin ${apply('OLD', '-')}; end`);
  } else {
    await knex.raw(`
      create function shop_sales_totals_apply() returns trigger language plpgsql as $$
      begin
        if TG_OP <> 'INSERT' then ${apply('OLD', '-')}; end if;
        if TG_OP <> 'DELETE' then ${apply('NEW', '+')}; end if;
        return null;
      end $$`);
    await knex.raw(
      'create trigger shop_sales_totals_apply after insert or update or delete on shop_sales_daily for each row execute function shop_sales_totals_apply()',
    );
  }

  await knex.raw(`insert into shop_sales_totals (shop_id, ${COLUMNS.join(', ')})
    select shop_id, ${COLUMNS.map((c) => `sum(${c})`).join(', ')} from shop_sales_daily group by shop_id`);
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    for (const t of ['insert', 'update', 'delete']) await knex.raw(`drop trigger shop_sales_totals_${t}`);
  } else {
    await knex.raw('drop trigger shop_sales_totals_apply on shop_sales_daily');
    await knex.raw('drop function shop_sales_totals_apply()');
  }
  await knex.schema.dropTable('shop_sales_totals');
}
