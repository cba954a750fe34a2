import type { Queryable } from '../connection.js';
import { isUniqueViolation } from '../errors.js';
import type { CheckRunRow, CheckRunStatus, Page, PageRequest } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';

export function findById(db: Queryable, id: number): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').where({ id }).first();
}

export function findRunning(db: Queryable): Promise<CheckRunRow | undefined> {
  return db<CheckRunRow>('check_runs').where({ status: 'running' }).first();
}

/** Inserts a running run, or answers null when one is already running (the partial unique index). */
export async function insertRunning(
  db: Queryable,
  run: Pick<CheckRunRow, 'trigger' | 'include_sold' | 'total' | 'created_by'>,
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

export async function saveProgress(
  db: Queryable,
  id: number,
  progress: Pick<CheckRunRow, 'done' | 'changed' | 'errors' | 'cursor_simcard_id'> & { total?: number },
): Promise<void> {
  await db('check_runs').where({ id }).update({ ...progress, updated_at: now() });
}

export async function finish(db: Queryable, id: number, status: Exclude<CheckRunStatus, 'running'>, errorMessage: string | null = null): Promise<void> {
  const at = now();
  await db('check_runs').where({ id, status: 'running' }).update({ status, error_message: errorMessage, finished_at: at, updated_at: at });
}

export async function requestCancel(db: Queryable, id: number): Promise<void> {
  await db('check_runs').where({ id, status: 'running' }).update({ cancel_requested: true, updated_at: now() });
}

/** Runs left `running` by a process that died: they are `interrupted`, and can be resumed. */
export async function markInterrupted(db: Queryable): Promise<number> {
  const at = now();
  return db('check_runs').where({ status: 'running' }).update({ status: 'interrupted', finished_at: at, updated_at: at });
}

/** Back to running (for a resume); false when another run is running or this one is not interrupted. */
export async function resume(db: Queryable, id: number): Promise<boolean> {
  try {
    const n = await db('check_runs')
      .where({ id, status: 'interrupted' })
      .update({ status: 'running', finished_at: null, cancel_requested: false, updated_at: now() });
    return n === 1;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** When the last successful (completed) run finished, or null: how fresh the SIM statuses are. */
export async function lastCompletedAt(db: Queryable): Promise<Date | null> {
  const row = (await db('check_runs').where({ status: 'completed' }).max({ at: 'finished_at' }).first()) as { at: string | Date | null } | undefined;
  return row?.at ? new Date(row.at) : null;
}

/** Runs running now or touched since `since` (a value from `now()`): what a live feed must report. */
export async function idsActiveSince(db: Queryable, since: ReturnType<typeof now>): Promise<number[]> {
  const rows = await db('check_runs').where({ status: 'running' }).orWhere('updated_at', '>=', since).orderBy('id').select('id');
  return rows.map((r: { id: number }) => r.id);
}

/** How many runs there are in each status (for the metrics). */
export async function countByStatus(db: Queryable): Promise<Partial<Record<CheckRunStatus, number>>> {
  const rows = (await db('check_runs').select('status').count({ n: '*' }).groupBy('status')) as { status: CheckRunStatus; n: number | string }[];
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
