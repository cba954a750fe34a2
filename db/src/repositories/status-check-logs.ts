import type { Queryable } from '../connection.js';
import type { SimcardRow, StatusCheckLogRow } from '../rows.js';

export type NewStatusCheckLog = Omit<StatusCheckLogRow, 'id'>;

/** Answers whether the row was written: within a run, a SIM already logged is not logged again. */
export async function insert(db: Queryable, entry: NewStatusCheckLog): Promise<boolean> {
  const q = db('status_check_logs').insert(entry);
  if (entry.run_id === null) {
    await q;
    return true;
  }
  const inserted = await q.onConflict(['run_id', 'simcard_id']).ignore().returning('id');
  return inserted.length > 0;
}

/**
 * Many log rows in one statement per 200 (a check run's batch). Answers the SIMs whose row was
 * written: within a run, a SIM already logged is not logged again. One row per SIM at most.
 */
export async function insertMany(db: Queryable, entries: readonly NewStatusCheckLog[]): Promise<Set<number>> {
  const written = new Set<number>();
  for (let i = 0; i < entries.length; i += 200) {
    const rows = (await db('status_check_logs')
      .insert(entries.slice(i, i + 200))
      .onConflict(['run_id', 'simcard_id'])
      .ignore()
      .returning(['simcard_id'])) as Array<{ simcard_id: number }>;
    for (const r of rows) written.add(Number(r.simcard_id));
  }
  return written;
}

/** What a run has logged so far (to resume its counters exactly). */
export async function countsForRun(db: Queryable, runId: number): Promise<{ changed: number; errors: number }> {
  const row = (await db('status_check_logs')
    .where({ run_id: runId })
    .first(
      db.raw('coalesce(sum(case when changed then 1 else 0 end), 0) as changed'),
      db.raw('coalesce(sum(case when error_message is not null then 1 else 0 end), 0) as errors'),
    )) as { changed: number | string; errors: number | string };
  return { changed: Number(row.changed), errors: Number(row.errors) };
}

/** The newest log id: where a feed of new sales starts. */
export async function latestId(db: Queryable): Promise<number> {
  const row = (await db('status_check_logs').max({ id: 'id' }).first()) as { id: number | string | null } | undefined;
  return Number(row?.id ?? 0);
}

/**
 * Sales logged after `afterId`, oldest first, with the SIM as it is now. A sale is the row
 * flagged `sale` (the SIM's first transition into sold, migration 1201): sold → blocked →
 * active again is a status change, never announced as a second sale.
 */
export function salesAfter(db: Queryable, afterId: number, limit: number): Promise<Array<SimcardRow & { log_id: number }>> {
  return db('status_check_logs as l')
    .join('simcards as s', 's.id', 'l.simcard_id')
    .where('l.id', '>', afterId)
    .andWhere('l.sale', true)
    .orderBy('l.id')
    .limit(limit)
    .select('s.*', 'l.id as log_id');
}
