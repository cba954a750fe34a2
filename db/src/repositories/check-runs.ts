import { type Queryable, statementRows } from '../connection.js';
import { isUniqueViolation } from '../errors.js';
import type { CheckRunRow, CheckRunStatus, Page, PageRequest, SimcardRow } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';
import { checkableStatuses } from './simcards.js';

export function findById(db: Queryable, id: number): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').where({ id }).first();
}

export function findRunning(db: Queryable): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').where({ status: 'running' }).first();
}

/** Inserts a running run, or answers null when one is already running (the partial unique index). */
export async function insertRunning(
  db: Queryable,
  run: Pick<CheckRunRow, 'trigger' | 'include_sold' | 'total' | 'created_by'> & Partial<Pick<CheckRunRow, 'operators'>>,
): Promise<CheckRunRow | null> {
  const at = now();
  try {
    const [row] = await db<CheckRunRow>('check_runs')
      .insert({ ...run, status: 'running', started_at: at, updated_at: at })
      .returning('*');
    return row as CheckRunRow;
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

export async function list(db: Queryable, page: PageRequest): Promise<Page<CheckRunRow>> {
  const qb = db<CheckRunRow>('check_runs');
  const [rows, total] = await Promise.all([qb.clone().orderBy('id', 'desc').limit(page.limit).offset(page.offset), countOf(qb.clone())]);
  return { rows, total };
}

/**
 * Saves how far a run got. `changed` and `errors` are not here: they move only with the log rows
 * they count (`addCounts`, in the rows' own transaction).
 */
export async function saveProgress(
  db: Queryable,
  id: number,
  progress: Pick<CheckRunRow, 'done' | 'cursor_simcard_id'> & { total?: number; skipped?: number },
): Promise<void> {
  await db('check_runs')
    .where({ id })
    .update({ ...progress, updated_at: now() });
}

/**
 * Adds to a run's counters, in the transaction that writes the log rows they count; with
 * `operator` (the SIM's, '' = none), to that operator's figures of the run too. Statements of
 * fixed texts, kept prepared on the transaction's SQLite connection (`statementRows`): a run's
 * batches and page saves run them hundreds of times, and knex's building cost more than they do.
 */
export async function addCounts(
  db: Queryable,
  id: number,
  counts: { changed?: number; errors?: number },
  operator?: string,
): Promise<void> {
  const changed = counts.changed ?? 0;
  const errors = counts.errors ?? 0;
  if (!changed && !errors) return;
  await statementRows(db, 'update check_runs set changed = changed + ?, errors = errors + ? where id = ?', [changed, errors, id]);
  if (operator !== undefined)
    await statementRows(db, 'update check_run_operators set changed = changed + ?, errors = errors + ? where run_id = ? and operator = ?', [
      changed,
      errors,
      id,
      operator,
    ]);
}

/**
 * Adds SIMs done to a run and to its operators' figures (by the SIMs' operator), in the
 * transaction that moves the cursor of the page they belong to (issue 18: every worker adds its
 * own, so the run's `done` is the sum over its pages). Kept prepared as `addCounts`.
 */
export async function addDone(db: Queryable, id: number, byOperator: ReadonlyMap<string, number>): Promise<void> {
  let total = 0;
  for (const n of byOperator.values()) total += n;
  await statementRows(db, 'update check_runs set done = done + ?, updated_at = ? where id = ?', [total, now(), id]);
  for (const [operator, n] of byOperator) {
    if (n > 0)
      await statementRows(db, 'update check_run_operators set done = done + ? where run_id = ? and operator = ?', [n, id, operator]);
  }
}

/** The run's `skipped` as the sum of its operators' (after an operator was given up). */
export async function syncSkipped(db: Queryable, id: number): Promise<void> {
  const row = (await db('check_run_operators').where({ run_id: id }).sum({ n: 'skipped' }).first()) as
    { n: number | string | null } | undefined;
  await db('check_runs')
    .where({ id })
    .update({ skipped: Number(row?.n ?? 0), updated_at: now() });
}

/**
 * An operator given up by a run: what it has not done is skipped, with the reason (read in the
 * statement, so SIMs done by other workers until now count as done).
 */
export async function giveUpOperator(db: Queryable, runId: number, operator: string, reason: string, message: string): Promise<void> {
  await db('check_run_operators')
    .where({ run_id: runId, operator })
    .update({ skipped: db.raw('case when total > done then total - done else 0 end'), reason, message });
}

/** Sets a run's counters to what its log rows say (a resume, after a process that died mid-write). */
export async function setCounts(db: Queryable, id: number, counts: { changed: number; errors: number }): Promise<void> {
  await db('check_runs').where({ id }).update(counts);
}

/** Ends a running run; false when it was not running (so only one caller ever ends it). */
export async function finish(
  db: Queryable,
  id: number,
  status: Exclude<CheckRunStatus, 'running'>,
  errorMessage: string | null = null,
): Promise<boolean> {
  const at = now();
  const n = await db('check_runs')
    .where({ id, status: 'running' })
    .update({ status, error_message: errorMessage, finished_at: at, updated_at: at });
  return n === 1;
}

export async function requestCancel(db: Queryable, id: number): Promise<void> {
  await db('check_runs').where({ id, status: 'running' }).update({ cancel_requested: true, updated_at: now() });
}

/**
 * Back to running (for a resume); false when another run is running or this one is not
 * interrupted or failed (a run that gave up on a failing operator is resumed like a crashed one).
 */
export async function resume(db: Queryable, id: number): Promise<boolean> {
  try {
    const n = await db('check_runs')
      .where({ id })
      .whereIn('status', ['interrupted', 'failed'])
      // No holder until the resuming worker's first heartbeat (a fresh updated_at keeps it from looking dead).
      .update({
        status: 'running',
        finished_at: null,
        error_message: null,
        cancel_requested: false,
        worker: null,
        heartbeat_at: null,
        updated_at: now(),
      });
    return n === 1;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** When the last successful (completed) run finished, or null: how fresh the SIM statuses are. */
export async function lastCompletedAt(db: Queryable): Promise<Date | null> {
  const row = (await db('check_runs').where({ status: 'completed' }).max({ at: 'finished_at' }).first()) as
    { at: string | Date | null } | undefined;
  return row?.at ? new Date(row.at) : null;
}

/** Runs running now or touched since `since` (a value from `now()`): what a live feed must report. */
export async function idsActiveSince(db: Queryable, since: ReturnType<typeof now>): Promise<number[]> {
  const rows = await db('check_runs').where({ status: 'running' }).orWhere('updated_at', '>=', since).orderBy('id').select('id');
  return rows.map((r: { id: number }) => r.id);
}

/** How many runs there are in each status (for the metrics). */
export async function countByStatus(db: Queryable): Promise<Partial<Record<CheckRunStatus, number>>> {
  const rows = (await db('check_runs').select('status').count({ n: '*' }).groupBy('status')) as {
    status: CheckRunStatus;
    n: number | string;
  }[];
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** A run's progress for the SIMs of one operator ('' = SIMs without one); migration 1801. */
export interface CheckRunOperatorRow {
  run_id: number;
  operator: string;
  total: number;
  done: number;
  changed: number;
  errors: number;
  skipped: number;
  cursor_simcard_id: number;
  /** Why `skipped` SIMs were: `no_provider`, or the operator's last failure when the run gave up on it. */
  reason: string | null;
  message: string | null;
}

/**
 * The SIMs a run must check, by operator ('' for SIMs without one), limited to `operators` when
 * given (null = all).
 */
export async function countToCheckByOperator(
  db: Queryable,
  includeSold: boolean,
  operators: readonly string[] | null,
): Promise<Map<string, number>> {
  const qb = db('simcards').whereIn('status', checkableStatuses(includeSold));
  if (operators) qb.whereIn('operator', operators);
  const rows = (await qb.select('operator').count({ n: '*' }).groupBy('operator')) as { operator: string | null; n: number | string }[];
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.operator ?? '', (counts.get(r.operator ?? '') ?? 0) + Number(r.n));
  return counts;
}

/**
 * The SIMs of a run's page after `afterId` up to `upToId` (null: no bound), in id order: those
 * to check, and those the run has already logged (`logged_in_run` 1: settled by a worker that
 * stopped before its cursor passed them; counted, not checked again).
 */
export async function pageToCheck(
  db: Queryable,
  runId: number,
  range: { afterId: number; upToId: number | null },
  includeSold: boolean,
  operators: readonly string[] | null,
  limit: number,
): Promise<Array<SimcardRow & { logged_in_run: number }>> {
  const qb = db('simcards as s')
    .leftJoin('status_check_logs as l', (j) => j.on('l.simcard_id', '=', 's.id').andOn('l.run_id', '=', db.raw('?', [runId])))
    .where('s.id', '>', range.afterId)
    .andWhere((q) => q.whereIn('s.status', checkableStatuses(includeSold)).orWhereNotNull('l.id'));
  if (range.upToId !== null) qb.andWhere('s.id', '<=', range.upToId);
  if (operators) qb.whereIn('s.operator', operators);
  const rows = (await qb
    .orderBy('s.id')
    .limit(limit)
    .select('s.*', db.raw('case when l.id is null then 0 else 1 end as logged_in_run'))) as Array<
    SimcardRow & { logged_in_run: number | string }
  >;
  // In place: a run reads 100 rows a page, and a copy of each is garbage at once.
  for (const r of rows) r.logged_in_run = Number(r.logged_in_run);
  return rows as Array<SimcardRow & { logged_in_run: number }>;
}

export async function insertOperators(
  db: Queryable,
  rows: Array<Pick<CheckRunOperatorRow, 'run_id' | 'operator' | 'total'> & Partial<CheckRunOperatorRow>>,
): Promise<void> {
  if (rows.length > 0) await db('check_run_operators').insert(rows);
}

/** The per-operator rows of runs, by run id, operators in name order. */
export async function operatorsOf(db: Queryable, runIds: readonly number[]): Promise<Map<number, CheckRunOperatorRow[]>> {
  const byRun = new Map<number, CheckRunOperatorRow[]>();
  if (runIds.length === 0) return byRun;
  const rows = (await db('check_run_operators').whereIn('run_id', runIds).orderBy(['run_id', 'operator'])) as CheckRunOperatorRow[];
  for (const row of rows) {
    const list = byRun.get(row.run_id) ?? [];
    list.push(row);
    byRun.set(row.run_id, list);
  }
  return byRun;
}

export async function saveOperatorProgress(
  db: Queryable,
  runId: number,
  operator: string,
  progress: Partial<Omit<CheckRunOperatorRow, 'run_id' | 'operator'>>,
): Promise<void> {
  if (Object.keys(progress).length > 0) await db('check_run_operators').where({ run_id: runId, operator }).update(progress);
}

/** A run's logged changes and failures by the SIMs' operator ('' = none): what a resume counts from. */
export async function loggedCountsByOperator(db: Queryable, runId: number): Promise<Map<string, { changed: number; errors: number }>> {
  const rows = (await db('status_check_logs as l')
    .leftJoin('simcards as s', 's.id', 'l.simcard_id')
    .where('l.run_id', runId)
    .groupBy('s.operator')
    .select(
      's.operator',
      db.raw('coalesce(sum(case when l.changed then 1 else 0 end), 0) as changed'),
      db.raw('coalesce(sum(case when l.error_message is not null then 1 else 0 end), 0) as errors'),
    )) as { operator: string | null; changed: number | string; errors: number | string }[];
  const counts = new Map<string, { changed: number; errors: number }>();
  for (const r of rows) {
    const c = counts.get(r.operator ?? '') ?? { changed: 0, errors: 0 };
    counts.set(r.operator ?? '', { changed: c.changed + Number(r.changed), errors: c.errors + Number(r.errors) });
  }
  return counts;
}
