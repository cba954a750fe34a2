/**
 * Exact row counts of the tables the database counts as they change (migration 0803), without
 * scanning them. On PostgreSQL the appended changes are folded when a read finds many.
 */
import type { Queryable } from '../connection.js';
import * as appendedCounters from './appended-counters.js';
import { num } from './sql-dates.js';

export type CountedTable = 'status_check_logs';

export async function count(db: Queryable, table: CountedTable): Promise<number> {
  const row = (await db('row_counts')
    .where('table_name', table)
    .first(db.raw('coalesce(sum(n), 0) as n'), db.raw('count(*) as stored'))) as { n: unknown; stored: unknown } | undefined;
  if (appendedCounters.worthFolding(num(row?.stored), 1, 1_000)) await appendedCounters.fold(db, 'row_counts', ['table_name']);
  return num(row?.n);
}
