/**
 * Migration 0501 drops `status_check_logs (run_id)`, a prefix of two other indexes on the log:
 * each query the repositories make on a run's log rows is still served by an index (the
 * statements are the repositories' own, captured as they run, then put to the planner).
 */
import { checkRunsRepository, type Db, isSqlite, statusChangeLogsRepository, statusCheckLogsRepository } from '@simcard/db';
import type { Knex } from 'knex';
import { useMigratedDatabase } from './support/migrated-database.js';

const database = useMigratedDatabase();
let db: Db;
beforeAll(() => {
  db = database.dbs[0]!;
});

/** The statements `work` sends that read status_check_logs. */
async function statementsOf(work: () => Promise<unknown>): Promise<Array<{ sql: string; bindings: Knex.RawBinding[] }>> {
  const seen: Array<{ sql: string; bindings: Knex.RawBinding[] }> = [];
  const listen = (q: { sql: string; bindings?: Knex.RawBinding[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
  db.on('query', listen);
  try {
    await work();
  } finally {
    db.removeListener('query', listen);
  }
  return seen.filter((s) => s.sql.includes('status_check_logs'));
}

/** The plan's lines that read status_check_logs (aliased `l` or not) without an index. */
async function unindexedLogReads(sql: string, bindings: Knex.RawBinding[]): Promise<string[]> {
  if (isSqlite(db)) {
    const plan = (await db.raw(`explain query plan ${sql}`, bindings)) as Array<{ detail: string }>;
    return plan.map((p) => p.detail).filter((d) => /^SCAN (l|status_check_logs)\b/.test(d) && !/INDEX/.test(d));
  }
  // PostgreSQL plans a sequential scan of a small table whatever its indexes: priced out here, it
  // is still chosen where no index serves.
  return db.transaction(async (trx) => {
    await trx.raw('set local enable_seqscan = off');
    // The statement as sent names its parameters $1, $2, …, in order: knex's raw takes them as `?`.
    const plan = (await trx.raw(`explain ${sql.replace(/\$\d+/g, '?')}`, bindings)) as { rows: Array<{ 'QUERY PLAN': string }> };
    return plan.rows.map((r) => r['QUERY PLAN']).filter((line) => /Seq Scan on status_check_logs/.test(line));
  });
}

test('the duplicate (run_id) index is gone', async () => {
  const names = isSqlite(db)
    ? ((await db.raw("select name from sqlite_master where type = 'index' and tbl_name = 'status_check_logs'")) as Array<{ name: string }>)
    : (
        (await db.raw(
          "select indexname as name from pg_indexes where tablename = 'status_check_logs' and schemaname = current_schema()",
        )) as {
          rows: Array<{ name: string }>;
        }
      ).rows;
  const all = names.map((n) => n.name);
  expect(all).not.toContain('status_check_logs_run_id_index');
  expect(all).toEqual(expect.arrayContaining(['status_check_logs_once_per_run', 'status_check_logs_run']));
});

test('a run’s counts, its SIMs to check and the log filtered by run still read the log by an index', async () => {
  const statements = [
    ...(await statementsOf(() => statusCheckLogsRepository.countsForRun(db, 7))),
    ...(await statementsOf(() => checkRunsRepository.pageToCheck(db, 7, { afterId: 0, upToId: null }, false, null, 100))),
    ...(await statementsOf(() => statusChangeLogsRepository.search(db, { runId: 7 }, { limit: 20, offset: 0 }))),
  ];
  expect(statements.length).toBeGreaterThanOrEqual(4);
  for (const s of statements) expect({ sql: s.sql, scans: await unindexedLogReads(s.sql, s.bindings) }).toEqual({ sql: s.sql, scans: [] });
});
