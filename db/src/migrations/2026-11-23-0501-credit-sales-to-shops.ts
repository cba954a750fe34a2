import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * A sale is credited to the shop that held the SIM when it was sold, read from the assignment
 * history (the latest move at or before `sold_at`), not from wherever the SIM sits now.
 *
 * The credit is kept on the SIM itself (`sold_shop_id`, and `sold_shop_since`: when that shop
 * received it) so that per-shop sales are an index range instead of a history lookup per SIM
 * on every statistics request. The database computes it, in a trigger, whichever process sets
 * `sold_at` (the status API, an import, a script): no writer can forget it.
 *
 * A SIM with no history at all (written before histories existed) is credited to its current
 * shop. A SIM whose latest move before the sale was a return to stock is credited to nobody.
 *
 * Triggers are the one place the dialects truly differ: SQLite has no procedural language (an
 * AFTER trigger updates the row), PostgreSQL needs a function (a BEFORE trigger sets NEW).
 */
const LAST_MOVE = (column: string, simId: string, soldAt: string) =>
  `(select ${column} from assignment_logs where simcard_id = ${simId} and created_at <= ${soldAt} order by created_at desc, id desc limit 1)`;
const HAS_MOVE = (simId: string, soldAt: string) =>
  `exists (select 1 from assignment_logs where simcard_id = ${simId} and created_at <= ${soldAt})`;

function sqliteCredit(column: 'to_shop_id' | 'created_at', fallback: string): string {
  return `case when NEW.sold_at is null then null
    when ${HAS_MOVE('NEW.id', 'NEW.sold_at')} then ${LAST_MOVE(column, 'NEW.id', 'NEW.sold_at')}
    else ${fallback} end`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('simcards', (t) => {
    t.integer('sold_shop_id').unsigned().references('id').inTable('shops').onDelete('SET NULL');
    t.timestamp('sold_shop_since', { useTz: true });
  });

  if (isSqlite(knex)) {
    const body = `update simcards set sold_shop_id = ${sqliteCredit('to_shop_id', 'NEW.shop_id')},
      sold_shop_since = ${sqliteCredit('created_at', 'NEW.assigned_at')} where id = NEW.id;`;
    await knex.raw(`create trigger simcards_credit_sale_insert after insert on simcards when NEW.sold_at is not null begin ${body} end`);
    await knex.raw(
      `create trigger simcards_credit_sale_update after update of sold_at on simcards when NEW.sold_at is not OLD.sold_at begin ${body} end`,
    );
  } else {
    await knex.raw(`
      create function simcards_credit_sale() returns trigger language plpgsql as $$
      begin
        if TG_OP = 'UPDATE' and NEW.sold_at is not distinct from OLD.sold_at then return NEW; end if;
        if NEW.sold_at is null then
          NEW.sold_shop_id := null; NEW.sold_shop_since := null;
        elsif ${HAS_MOVE('NEW.id', 'NEW.sold_at')} then
          NEW.sold_shop_id := ${LAST_MOVE('to_shop_id', 'NEW.id', 'NEW.sold_at')};
          NEW.sold_shop_since := ${LAST_MOVE('created_at', 'NEW.id', 'NEW.sold_at')};
        else
          NEW.sold_shop_id := NEW.shop_id; NEW.sold_shop_since := NEW.assigned_at;
        end if;
        return NEW;
      end $$`);
    await knex.raw(
      `create trigger simcards_credit_sale before insert or update of sold_at on simcards for each row execute function simcards_credit_sale()`,
    );
  }

  // SIMs sold before this migration.
  await knex.raw(`update simcards set
    sold_shop_id = case when ${HAS_MOVE('simcards.id', 'simcards.sold_at')} then ${LAST_MOVE('to_shop_id', 'simcards.id', 'simcards.sold_at')} else shop_id end,
    sold_shop_since = case when ${HAS_MOVE('simcards.id', 'simcards.sold_at')} then ${LAST_MOVE('created_at', 'simcards.id', 'simcards.sold_at')} else assigned_at end
    where sold_at is not null`);

  // Only sold SIMs: per-shop sales (count, last sale, days to sale) read this index alone.
  await knex.raw(`create index simcards_sales on simcards (sold_shop_id, sold_at, sold_shop_since) where sold_at is not null`);
  await knex.raw(`create index simcards_sold_at on simcards (sold_at) where sold_at is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index simcards_sales');
  await knex.raw('drop index simcards_sold_at');
  if (isSqlite(knex)) {
    await knex.raw('drop trigger simcards_credit_sale_insert');
    await knex.raw('drop trigger simcards_credit_sale_update');
  } else {
    await knex.raw('drop trigger simcards_credit_sale on simcards');
    await knex.raw('drop function simcards_credit_sale()');
  }
  await knex.schema.alterTable('simcards', (t) => {
    t.dropForeign(['sold_shop_id']);
    t.dropColumn('sold_shop_id');
    t.dropColumn('sold_shop_since');
  });
}
