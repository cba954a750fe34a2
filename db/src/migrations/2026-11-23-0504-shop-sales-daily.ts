import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * Sales per shop and UTC day, kept by the database as sales are recorded: per-shop figures
 * (`GET /statistics/shops`) then sum about 60 rows a shop instead of reading every sold SIM.
 *
 * A SIM counts for (sold_shop_id, day of sold_at) while both are set (see migration 0501 for
 * how a sale is credited). Triggers subtract a row's old contribution and add its new one on
 * every insert, delete, and change of sold_at / sold_shop_id / sold_shop_since, so the table
 * stays exact whoever writes (the status API, an import, a script). `timed` counts the sales
 * whose arrival time is known, the ones `days_sum` (days from arrival to sale) adds up.
 *
 * Locking: a sale is recorded in its own short transaction (one SIM each), which touches one
 * row here. Two dialects, two trigger languages (SQLite: SQL bodies; PostgreSQL: a function).
 */
const DAY = { sqlite: (c: string) => `substr(${c}, 1, 10)`, pg: (c: string) => `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD')` };
const DAYS = {
  sqlite: (r: string) => `coalesce(julianday(${r}.sold_at) - julianday(${r}.sold_shop_since), 0)`,
  pg: (r: string) => `coalesce(extract(epoch from (${r}.sold_at - ${r}.sold_shop_since)) / 86400.0, 0)`,
};

function statements(d: 'sqlite' | 'pg') {
  const subtract = `update shop_sales_daily set sold = sold - 1,
      timed = timed - (case when OLD.sold_shop_since is null then 0 else 1 end),
      days_sum = days_sum - ${DAYS[d]('OLD')}
    where shop_id = OLD.sold_shop_id and day = ${DAY[d]('OLD.sold_at')}`;
  const add = `insert into shop_sales_daily (shop_id, day, sold, timed, days_sum)
    values (NEW.sold_shop_id, ${DAY[d]('NEW.sold_at')}, 1, case when NEW.sold_shop_since is null then 0 else 1 end, ${DAYS[d]('NEW')})
    on conflict (shop_id, day) do update set sold = shop_sales_daily.sold + 1,
      timed = shop_sales_daily.timed + excluded.timed, days_sum = shop_sales_daily.days_sum + excluded.days_sum`;
  return { subtract, add };
}

const COUNTED = (r: string) => `${r}.sold_at is not null and ${r}.sold_shop_id is not null`;
const CHANGED =
  'OLD.sold_at is distinct from NEW.sold_at or OLD.sold_shop_id is distinct from NEW.sold_shop_id or OLD.sold_shop_since is distinct from NEW.sold_shop_since';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shop_sales_daily', (t) => {
    t.integer('shop_id').notNullable();
    t.string('day', 10).notNullable();
    t.integer('sold').notNullable().defaultTo(0);
    t.integer('timed').notNullable().defaultTo(0);
    t.double('days_sum').notNullable().defaultTo(0);
    t.primary(['shop_id', 'day']);
  });

  const sqlite = isSqlite(knex);
  const d = sqlite ? 'sqlite' : 'pg';
  const { subtract, add } = statements(d);
  if (sqlite) {
    // SQLite spells "is distinct from" as "is not".
    const changed = CHANGED.replaceAll('is distinct from', 'is not');
    await knex.raw(`create trigger shop_sales_daily_insert after insert on simcards when ${COUNTED('NEW')} begin ${add}; end`);
    await knex.raw(`create trigger shop_sales_daily_delete after delete on simcards when ${COUNTED('OLD')} begin ${subtract}; end`);
    await knex.raw(`create trigger shop_sales_daily_update after update of sold_at, sold_shop_id, sold_shop_since on simcards when ${changed}
      begin
        ${subtract} and ${COUNTED('OLD')};
        insert into shop_sales_daily (shop_id, day, sold, timed, days_sum)
          select NEW.sold_shop_id, ${DAY.sqlite('NEW.sold_at')}, 1, case when NEW.sold_shop_since is null then 0 else 1 end, ${DAYS.sqlite('NEW')}
          where ${COUNTED('NEW')}
          on conflict (shop_id, day) do update set sold = shop_sales_daily.sold + 1,
            timed = shop_sales_daily.timed + excluded.timed, days_sum = shop_sales_daily.days_sum + excluded.days_sum;
      end`);
  } else {
    await knex.raw(`
      create function shop_sales_daily_apply() returns trigger language plpgsql as $$
      begin
        if TG_OP <> 'INSERT' and ${COUNTED('OLD')} then ${subtract}; end if;
        if TG_OP <> 'DELETE' and ${COUNTED('NEW')} then ${add}; end if;
        return null;
      end $$`);
    await knex.raw(
      `create trigger shop_sales_daily_insert after insert on simcards for each row when (${COUNTED('NEW')}) execute function shop_sales_daily_apply()`,
    );
    await knex.raw(
      `create trigger shop_sales_daily_delete after delete on simcards for each row when (${COUNTED('OLD')}) execute function shop_sales_daily_apply()`,
    );
    await knex.raw(
      `create trigger shop_sales_daily_update after update on simcards for each row when (${CHANGED}) execute function shop_sales_daily_apply()`,
    );
  }

  await knex.raw(`insert into shop_sales_daily (shop_id, day, sold, timed, days_sum)
    select sold_shop_id, ${DAY[d]('sold_at')}, count(*), count(sold_shop_since), coalesce(sum(${DAYS[d]('simcards')}), 0)
    from simcards where ${COUNTED('simcards')} group by 1, 2`);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['insert', 'delete', 'update']) {
    await knex.raw(isSqlite(knex) ? `drop trigger shop_sales_daily_${t}` : `drop trigger shop_sales_daily_${t} on simcards`);
  }
  if (!isSqlite(knex)) await knex.raw('drop function shop_sales_daily_apply()');
  await knex.schema.dropTable('shop_sales_daily');
}
