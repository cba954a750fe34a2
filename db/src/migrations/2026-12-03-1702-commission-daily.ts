import type { Knex } from 'knex';

/**
 * The kept sale commissions (migration 1701) summed per UTC day, by shop and by operator, kept
 * by triggers as rows of sale_commissions are written: a month's statement for every shop then
 * sums about 30 rows a shop instead of reading every sale of the month (300,000 on the bench).
 *
 * UTC days, not the dealer's: the database has no time zone arithmetic on SQLite. The statement
 * reads the whole UTC days inside the dealer's month from here and the two partial days at its
 * edges (less than a day each) from sale_commissions itself, so any TIME_ZONE is exact.
 *
 * `shop_id` 0 holds the sales credited to no shop, `operator` '' those without an operator (key
 * columns cannot be null). Triggers subtract a row's old contribution and add its new one on
 * insert, delete and update (SQLite's sale trigger inserts a row, then sets its amounts).
 */
const DAY = { sqlite: (c: string) => `substr(${c}, 1, 10)`, pg: (c: string) => `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD')` };

function statements(d: 'sqlite' | 'pg', row: 'NEW' | 'OLD', sign: 1 | -1): string[] {
  const s = sign === 1 ? '' : '-';
  const add = (table: string, key: string, value: string) => `insert into ${table} (${key}, day, activations, amount, share)
    values (${value}, ${DAY[d](`${row}.sold_at`)}, ${s}1, ${s}${row}.amount, ${s}${row}.share)
    on conflict (${key}, day) do update set activations = ${table}.activations + excluded.activations,
      amount = ${table}.amount + excluded.amount, share = ${table}.share + excluded.share`;
  return [
    add('commission_shop_daily', 'shop_id', `coalesce(${row}.shop_id, 0)`),
    add('commission_operator_daily', 'operator', `coalesce(${row}.operator, '')`),
  ];
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('commission_shop_daily', (t) => {
    t.integer('shop_id').notNullable();
    t.string('day', 10).notNullable();
    t.integer('activations').notNullable().defaultTo(0);
    t.bigInteger('amount').notNullable().defaultTo(0);
    t.bigInteger('share').notNullable().defaultTo(0);
    t.primary(['shop_id', 'day']);
  });
  await knex.schema.createTable('commission_operator_daily', (t) => {
    t.string('operator', 32).notNullable();
    t.string('day', 10).notNullable();
    t.integer('activations').notNullable().defaultTo(0);
    t.bigInteger('amount').notNullable().defaultTo(0);
    t.bigInteger('share').notNullable().defaultTo(0);
    t.primary(['operator', 'day']);
  });
  // The month's days in a range: (day) first for the statement's scan.
  await knex.raw('create index commission_shop_daily_day on commission_shop_daily (day, shop_id, activations, amount, share)');

  const sqlite = knex.client.config.client === 'sqlite3';
  const d = sqlite ? 'sqlite' : 'pg';
  if (sqlite) {
    await knex.raw(
      `create trigger commission_daily_insert after insert on sale_commissions begin ${statements(d, 'NEW', 1).join('; ')}; end`,
    );
    await knex.raw(
      `create trigger commission_daily_delete after delete on sale_commissions begin ${statements(d, 'OLD', -1).join('; ')}; end`,
    );
    await knex.raw(
      `create trigger commission_daily_update after update on sale_commissions begin ${[...statements(d, 'OLD', -1), ...statements(d, 'NEW', 1)].join('; ')}; end`,
    );
  } else {
    await knex.raw(`
      create function commission_daily_apply() returns trigger language plpgsql as $$
      begin
        if TG_OP <> 'INSERT' then ${statements(d, 'OLD', -1).join('; ')}; end if;
        if TG_OP <> 'DELETE' then ${statements(d, 'NEW', 1).join('; ')}; end if;
        return null;
      end $$`);
    await knex.raw(
      'create trigger commission_daily_apply after insert or update or delete on sale_commissions for each row execute function commission_daily_apply()',
    );
  }

  await knex.raw(`insert into commission_shop_daily (shop_id, day, activations, amount, share)
    select coalesce(shop_id, 0), ${DAY[d]('sold_at')}, count(*), coalesce(sum(amount), 0), coalesce(sum(share), 0) from sale_commissions group by 1, 2`);
  await knex.raw(`insert into commission_operator_daily (operator, day, activations, amount, share)
    select coalesce(operator, ''), ${DAY[d]('sold_at')}, count(*), coalesce(sum(amount), 0), coalesce(sum(share), 0) from sale_commissions group by 1, 2`);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'sqlite3') {
    for (const t of ['insert', 'delete', 'update']) await knex.raw(`drop trigger commission_daily_${t}`);
  } else {
    await knex.raw('drop trigger commission_daily_apply on sale_commissions');
    await knex.raw('drop function commission_daily_apply()');
  }
  await knex.schema.dropTable('commission_operator_daily');
  await knex.schema.dropTable('commission_shop_daily');
}
