/**
 * Counters the database keeps by appending on PostgreSQL (migrations 0801, 0803): each writing
 * statement appends its net change as a row (`n`), so concurrent writers never wait on a shared
 * counter row; readers sum a key's rows. `fold` replaces a counter table's rows by one row per
 * key, when readers find too many. SQLite's counters are updated in place (one writer at a time)
 * and never need folding.
 */
import type { Queryable } from '../connection.js';
import { isSqlite } from '../connection.js';

/**
 * Sums each key's rows into one, in one statement (readers see the rows before or after it,
 * never half). Rows appended meanwhile by other transactions are not in its snapshot and stay.
 * One fold per table at a time (a transaction-scoped advisory lock): a concurrent caller skips.
 */
export async function fold(db: Queryable, table: string, keyColumns: readonly string[]): Promise<void> {
  if (isSqlite(db)) return;
  const keys = keyColumns.join(', ');
  await db.transaction(async (trx) => {
    const { rows } = (await trx.raw('select pg_try_advisory_xact_lock(hashtext(?)) as got', [`fold:${table}`])) as {
      rows: { got: boolean }[];
    };
    if (!rows[0]?.got) return;
    await trx.raw(
      `with gone as (delete from ?? returning ${keys}, n)
      insert into ?? (${keys}, n) select ${keys}, sum(n) from gone group by ${keys} having sum(n) <> 0`,
      [table, table],
    );
  });
}

/** Whether `stored` rows for `keys` distinct keys are worth folding: appended changes outnumber the keys, with slack. */
export function worthFolding(stored: number, keys: number, slackRows = 5_000): boolean {
  return stored > 2 * keys + slackRows;
}
