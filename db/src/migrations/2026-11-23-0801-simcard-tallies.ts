import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * SIM counts per (shop, operator, status), kept by the database as SIMs are written, so that the
 * dealer's totals (`GET /statistics`: a million SIMs) sum a few thousand counters instead of
 * reading a million index entries on every request. `shop_key` is the shop's id, 0 for stock;
 * `operator` is '' when unknown (both are in the key, and keys cannot be null).
 *
 * The dialects keep the counters differently, each the cheap way for its writers:
 * - SQLite has one writer at a time and only row triggers: each row change adds or subtracts
 *   one in the group's single counter row (an upsert on the primary key).
 * - PostgreSQL has concurrent writers. Updating one shared counter row would serialize them all
 *   on its row lock (an import holding "stock, Beeline, in_stock" for its whole transaction
 *   would stall every status check that sells a stock SIM) and invite deadlocks. So each
 *   statement only APPENDS its net change per group (a statement trigger over the transition
 *   tables: one row per group touched, whatever the statement's size); appends take no locks
 *   that other writers wait for. Readers sum the rows of a group, and from time to time
 *   `simcardTalliesRepository.fold` replaces them with their sums.
 * A row update that moves no SIM between groups (a check stamping last_checked_at) adds nothing.
 */
const KEY = (r: string) => `coalesce(${r}.shop_id, 0), coalesce(${r}.operator, ''), ${r}.status`;

export async function up(knex: Knex): Promise<void> {
  const sqlite = isSqlite(knex);
  await knex.schema.createTable('simcard_tallies', (t) => {
    t.integer('shop_key').notNullable();
    t.string('operator', 32).notNullable();
    t.string('status', 16).notNullable();
    t.bigInteger('n').notNullable();
    if (sqlite) t.primary(['shop_key', 'operator', 'status']);
    else t.index(['shop_key']);
  });

  if (sqlite) {
    const add = (r: string) => `insert into simcard_tallies (shop_key, operator, status, n) values (${KEY(r)}, 1)
      on conflict (shop_key, operator, status) do update set n = simcard_tallies.n + 1`;
    const subtract = (r: string) => `update simcard_tallies set n = n - 1
      where shop_key = coalesce(${r}.shop_id, 0) and operator = coalesce(${r}.operator, '') and status = ${r}.status`;
    const moved = 'OLD.shop_id is not NEW.shop_id or OLD.operator is not NEW.operator or OLD.status is not NEW.status';
    await knex.raw(`create trigger simcard_tallies_insert after insert on simcards begin ${add('NEW')}; end`);
    await knex.raw(`create trigger simcard_tallies_delete after delete on simcards begin ${subtract('OLD')}; end`);
    await knex.raw(`create trigger simcard_tallies_update after update of shop_id, operator, status on simcards when ${moved}
      begin ${subtract('OLD')}; ${add('NEW')}; end`);
  } else {
    const net = (parts: string[]) => `insert into simcard_tallies (shop_key, operator, status, n)
      select shop_key, operator, status, sum(n) from (${parts.join(' union all ')}) as changes (shop_key, operator, status, n)
      group by shop_key, operator, status having sum(n) <> 0`;
    const part = (table: string, sign: 1 | -1) => `select ${KEY(table)}, ${sign} from ${table}`;
    await knex.raw(`
      create function simcard_tallies_apply() returns trigger language plpgsql as $$
      begin
        if TG_OP = 'INSERT' then ${net([part('new_rows', 1)])};
        elsif TG_OP = 'DELETE' then ${net([part('old_rows', -1)])};
        else ${net([part('old_rows', -1), part('new_rows', 1)])};
        end if;
        return null;
      end $$`);
    await knex.raw(
      'create trigger simcard_tallies_insert after insert on simcards referencing new table as new_rows for each statement execute function simcard_tallies_apply()',
    );
    await knex.raw(
      'create trigger simcard_tallies_delete after delete on simcards referencing old table as old_rows for each statement execute function simcard_tallies_apply()',
    );
    await knex.raw(
      'create trigger simcard_tallies_update after update on simcards referencing old table as old_rows new table as new_rows for each statement execute function simcard_tallies_apply()',
    );
  }

  await knex.raw(
    `insert into simcard_tallies (shop_key, operator, status, n) select ${KEY('simcards')}, count(*) from simcards group by 1, 2, 3`,
  );
}

export async function down(knex: Knex): Promise<void> {
  const sqlite = isSqlite(knex);
  for (const t of ['insert', 'delete', 'update'])
    await knex.raw(sqlite ? `drop trigger simcard_tallies_${t}` : `drop trigger simcard_tallies_${t} on simcards`);
  if (!sqlite) await knex.raw('drop function simcard_tallies_apply()');
  await knex.schema.dropTable('simcard_tallies');
}
