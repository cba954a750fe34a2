import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * The dealer's money: commission rules (what an operator pays per activation), the shops'
 * shares, and each sale's commission kept with the sale.
 *
 * A rule's validity is stored twice: as the dealer's calendar days the admin typed
 * (`valid_from`, `valid_to`, inclusive) and as the UTC instants they mean in the dealer's time
 * zone (`from_at`, `to_at` exclusive), computed by the service. The database then needs no time
 * zone arithmetic (SQLite has none): a sale falls under a rule when `from_at <= sold_at < to_at`.
 *
 * `sale_commissions` holds one row per sold SIM, written by a trigger on `simcards.sold_at`
 * whoever sets it (the status API's check, an import, a script): no writer can forget it, and
 * the status API's sale code needs no change. The amount and the share are computed once, from
 * the rules in force at the activation instant, and then kept: a later rule change never
 * rewrites them. The row is recomputed only when the sale's date itself changes, or when it is
 * missing and `sold_at` is written again (what the audited "recompute a period" does: it deletes
 * the period's rows and touches `sold_at`), so the trigger is the one place the figures come from.
 *
 * Which rule: among active rules of the SIM's operator in force at the sale, a tariff-specific
 * one before an operator-wide one, then the one starting latest, then the newest. Which share:
 * the shop's own active setting in force, else the dealer-wide one (`shop_id` null); a sale
 * credited to no shop (sold from stock) owes no share.
 *
 * Dialects: SQLite triggers are SQL statements (no variables, no CTEs): the row is inserted and
 * then completed by updates. PostgreSQL gets a function. There the sale's credited shop is
 * already in NEW (migration 0501's BEFORE trigger); SQLite AFTER triggers fire in no guaranteed
 * order, so the credit is computed here with 0501's rule (the latest move at or before the sale).
 */

const SHOP_SQLITE = `case when exists (select 1 from assignment_logs where simcard_id = NEW.id and created_at <= NEW.sold_at)
  then (select to_shop_id from assignment_logs where simcard_id = NEW.id and created_at <= NEW.sold_at order by created_at desc, id desc limit 1)
  else NEW.shop_id end`;

const RULE_MATCH = (
  tariff: string,
  operator: string,
  at: string,
) => `r.active and r.operator = ${operator} and (r.tariff is null or r.tariff = ${tariff})
  and r.from_at <= ${at} and (r.to_at is null or ${at} < r.to_at)`;
const RULE_ORDER = 'order by case when r.tariff is null then 1 else 0 end, r.from_at desc, r.id desc limit 1';
const SHARE_MATCH = (shop: string, at: string) =>
  `sh.active and sh.from_at <= ${at} and ${shop} is not null and (sh.shop_id = ${shop} or sh.shop_id is null)`;
const SHARE_ORDER = 'order by case when sh.shop_id is null then 1 else 0 end, sh.from_at desc, sh.id desc limit 1';

function sqliteBody(): string {
  const c = 'sale_commissions';
  return `
    delete from sale_commissions where simcard_id = NEW.id;
    insert into sale_commissions (simcard_id, shop_id, operator, tariff, sold_at, rule_id, amount, share_id, share, computed_at)
      select NEW.id, ${SHOP_SQLITE}, NEW.operator, NEW.tariff, NEW.sold_at,
        (select r.id from commission_rules r where ${RULE_MATCH('NEW.tariff', 'NEW.operator', 'NEW.sold_at')} ${RULE_ORDER}),
        0, null, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      where NEW.sold_at is not null;
    update ${c} set amount = coalesce((select r.amount from commission_rules r where r.id = ${c}.rule_id), 0),
      share_id = (select sh.id from commission_shares sh where ${SHARE_MATCH(`${c}.shop_id`, `${c}.sold_at`)} ${SHARE_ORDER})
      where simcard_id = NEW.id;
    update ${c} set share = coalesce((select case when sh.kind = 'percent' then cast(round(${c}.amount * sh.value / 100.0) as integer)
        else min(cast(sh.value as integer), ${c}.amount) end from commission_shares sh where sh.id = ${c}.share_id), 0)
      where simcard_id = NEW.id;`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('commission_rules', (t) => {
    t.increments('id');
    // The first version's id: a rule's versions share it.
    t.integer('series_id');
    t.integer('version').notNullable().defaultTo(1);
    t.string('operator', 32).notNullable();
    t.string('tariff', 64);
    t.integer('amount').notNullable();
    t.string('valid_from', 10).notNullable();
    t.string('valid_to', 10);
    t.timestamp('from_at', { useTz: true }).notNullable();
    t.timestamp('to_at', { useTz: true });
    // False once replaced by a newer version or retired: no longer applied to new sales.
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('replaced_by');
    t.string('note', 500);
    t.integer('created_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_by_name', 120).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('retired_at', { useTz: true });
    t.index(['operator', 'active']);
    t.index(['series_id']);
  });

  await knex.schema.createTable('commission_shares', (t) => {
    t.increments('id');
    t.integer('series_id');
    t.integer('version').notNullable().defaultTo(1);
    // Null: the dealer-wide default.
    t.integer('shop_id').unsigned().references('id').inTable('shops').onDelete('CASCADE');
    t.string('kind', 8).notNullable().checkIn(['percent', 'fixed'], 'commission_shares_kind_check');
    // percent: 0-100 (two decimals); fixed: so'm per activation (never more than the commission).
    t.double('value').notNullable();
    t.string('valid_from', 10).notNullable();
    t.timestamp('from_at', { useTz: true }).notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('replaced_by');
    t.integer('created_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_by_name', 120).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('retired_at', { useTz: true });
    t.index(['shop_id', 'active']);
  });

  await knex.schema.createTable('sale_commissions', (t) => {
    t.integer('simcard_id').unsigned().primary().references('id').inTable('simcards').onDelete('CASCADE');
    // The shop credited with the sale when it was recorded (null: sold from stock).
    t.integer('shop_id');
    t.string('operator', 32);
    t.string('tariff', 64);
    t.timestamp('sold_at', { useTz: true }).notNullable();
    t.integer('rule_id');
    t.integer('amount').notNullable().defaultTo(0);
    t.integer('share_id');
    t.integer('share').notNullable().defaultTo(0);
    t.timestamp('computed_at', { useTz: true }).notNullable();
  });
  // A month's statement: a range of sold_at, everything it sums in the index (no table reads).
  await knex.raw('create index sale_commissions_month on sale_commissions (sold_at, shop_id, operator, amount, share)');
  // One shop's statement (a range of its sales), and its money owed over all time (the chase page).
  await knex.raw('create index sale_commissions_shop on sale_commissions (shop_id, sold_at, share)');

  await knex.schema.createTable('statement_payments', (t) => {
    t.increments('id');
    t.integer('shop_id').unsigned().notNullable().references('id').inTable('shops').onDelete('CASCADE');
    t.string('month', 7).notNullable();
    t.integer('amount').notNullable();
    t.timestamp('paid_at', { useTz: true }).notNullable();
    t.integer('paid_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('paid_by_name', 120).notNullable();
    t.string('note', 500);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['month', 'shop_id']);
    t.index(['shop_id']);
  });

  await knex.schema.createTable('anomaly_reviews', (t) => {
    t.increments('id');
    t.string('kind', 40).notNullable();
    t.integer('simcard_id').unsigned().notNullable().references('id').inTable('simcards').onDelete('CASCADE');
    t.string('note', 1000).notNullable();
    t.integer('reviewed_by').unsigned().references('id').inTable('users').onDelete('SET NULL');
    t.string('reviewed_by_name', 120).notNullable();
    t.timestamp('reviewed_at', { useTz: true }).notNullable();
    t.unique(['kind', 'simcard_id']);
  });

  // One digest per chat and dealer day, whichever process (or restart) gets there first.
  await knex.schema.createTable('digest_claims', (t) => {
    t.string('chat_id', 64).notNullable();
    t.string('day', 10).notNullable();
    t.string('kind', 8).notNullable();
    t.integer('shop_id');
    t.timestamp('claimed_at', { useTz: true }).notNullable();
    t.timestamp('sent_at', { useTz: true });
    t.string('error', 500);
    t.primary(['chat_id', 'day']);
  });

  await knex.schema.alterTable('shops', (t) => {
    t.string('telegram_chat_id', 64);
    // uz or ru: the language of the shop's daily digest.
    t.string('telegram_language', 2);
  });
  await knex.schema.alterTable('users', (t) => {
    // uz, ru or en: the web app's language, also the default language of the user's exports.
    t.string('language', 2);
  });

  if (isSqlite(knex)) {
    await knex.raw(
      `create trigger sale_commissions_insert after insert on simcards when NEW.sold_at is not null begin ${sqliteBody()} end`,
    );
    await knex.raw(`create trigger sale_commissions_update after update of sold_at on simcards
      when NEW.sold_at is not OLD.sold_at or (NEW.sold_at is not null and not exists (select 1 from sale_commissions c where c.simcard_id = NEW.id))
      begin ${sqliteBody()} end`);
  } else {
    await knex.raw(`
      create function sale_commissions_apply() returns trigger language plpgsql as $$
      declare
        v_rule integer; v_amount integer := 0; v_share_id integer; v_kind text; v_value double precision; v_share integer := 0;
      begin
        if TG_OP = 'UPDATE' then
          if NEW.sold_at is not distinct from OLD.sold_at
            and (NEW.sold_at is null or exists (select 1 from sale_commissions where simcard_id = NEW.id)) then
            return null;
          end if;
          delete from sale_commissions where simcard_id = NEW.id;
        end if;
        if NEW.sold_at is null then return null; end if;
        select r.id, r.amount into v_rule, v_amount from commission_rules r
          where ${RULE_MATCH('NEW.tariff', 'NEW.operator', 'NEW.sold_at')} ${RULE_ORDER};
        v_amount := coalesce(v_amount, 0);
        select sh.id, sh.kind, sh.value into v_share_id, v_kind, v_value from commission_shares sh
          where ${SHARE_MATCH('NEW.sold_shop_id', 'NEW.sold_at')} ${SHARE_ORDER};
        if v_share_id is not null then
          v_share := case when v_kind = 'percent' then round((v_amount * v_value / 100.0)::numeric)::integer else least(v_value::integer, v_amount) end;
        end if;
        insert into sale_commissions (simcard_id, shop_id, operator, tariff, sold_at, rule_id, amount, share_id, share, computed_at)
          values (NEW.id, NEW.sold_shop_id, NEW.operator, NEW.tariff, NEW.sold_at, v_rule, v_amount, v_share_id, v_share, now());
        return null;
      end $$`);
    await knex.raw(
      'create trigger sale_commissions_apply after insert or update of sold_at on simcards for each row execute function sale_commissions_apply()',
    );
  }

  // Sales recorded before this migration, under the rules then in force (none yet: zero amounts).
  await knex.raw(
    `insert into sale_commissions (simcard_id, shop_id, operator, tariff, sold_at, rule_id, amount, share_id, share, computed_at)
    select id, sold_shop_id, operator, tariff, sold_at, null, 0, null, 0, ? from simcards where sold_at is not null`,
    [new Date().toISOString()],
  );
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    await knex.raw('drop trigger sale_commissions_insert');
    await knex.raw('drop trigger sale_commissions_update');
  } else {
    await knex.raw('drop trigger sale_commissions_apply on simcards');
    await knex.raw('drop function sale_commissions_apply()');
  }
  await knex.schema.alterTable('users', (t) => t.dropColumn('language'));
  await knex.schema.alterTable('shops', (t) => {
    t.dropColumn('telegram_chat_id');
    t.dropColumn('telegram_language');
  });
  for (const table of [
    'digest_claims',
    'anomaly_reviews',
    'statement_payments',
    'sale_commissions',
    'commission_shares',
    'commission_rules',
  ]) {
    await knex.schema.dropTable(table);
  }
}
