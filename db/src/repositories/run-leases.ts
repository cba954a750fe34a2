/**
 * The SQL behind several status API workers on one database (issue 18): a running run's pages of
 * SIMs, each claimed by one worker with a lease (PostgreSQL: FOR UPDATE SKIP LOCKED) and kept by
 * its heartbeat; a page whose worker has been silent longer than the lease is claimed again and
 * continued from its cursor. The run's own heartbeat tells whether any worker is alive on it, and
 * carries a cancel asked on any instance. Also the shared schedules (a due run fires once).
 */
import type { Knex } from 'knex';
import { isSqlite, type Queryable } from '../connection.js';
import type { CheckRunRow } from '../rows.js';
import { now, toIso } from '../time.js';
import { checkableStatuses } from './simcards.js';

const STALE = `coalesce(heartbeat_at, updated_at) < ?`;

/** Whether the run's holder is dead (a running run not beaten since `staleBefore`). */
export async function isStale(db: Queryable, id: number, staleBefore: string): Promise<boolean> {
  const row = await db('check_runs').where({ id, status: 'running' }).whereRaw(STALE, [staleBefore]).first('id');
  return row !== undefined;
}

/**
 * A shared schedule exists, due at the latest `firstDueAt` (a shorter interval than the stored
 * one takes effect at once; a longer one after the next firing).
 */
export async function ensureSchedule(db: Queryable, name: string, firstDueAt: string): Promise<void> {
  await db('schedules').insert({ name, next_due_at: firstDueAt }).onConflict('name').ignore();
  await db('schedules').where({ name }).andWhere('next_due_at', '>', firstDueAt).update({ next_due_at: firstDueAt });
}

/** When each of these shared schedules is next due (ISO-8601 UTC); a schedule not set up yet is absent. */
export async function scheduleDueTimes(db: Queryable, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = (await db('schedules').whereIn('name', names).select('name', 'next_due_at')) as Array<{
    name: string;
    next_due_at: string | Date;
  }>;
  return new Map(rows.map((r) => [r.name, toIso(r.next_due_at)!]));
}

/**
 * Fires the schedule if it is due: moves `next_due_at` on to `nextDueAt` and answers true, for
 * exactly one caller however many ask at once.
 */
export async function claimDue(db: Queryable, name: string, nextDueAt: string): Promise<boolean> {
  const n = await db('schedules').where({ name }).andWhere('next_due_at', '<=', now()).update({ next_due_at: nextDueAt });
  return n === 1;
}

/**
 * A participant in a shared run says it is alive (issue 18: every worker working on the run
 * beats for it, so the run is dead only when none has beaten for a lease). Answers whether the
 * run is still running, and whether someone asked to cancel it.
 */
export async function beatShared(db: Queryable, id: number, worker: string): Promise<{ running: boolean; cancelRequested: boolean }> {
  const n = await db('check_runs').where({ id, status: 'running' }).update({ worker, heartbeat_at: now() });
  if (n !== 1) return { running: false, cancelRequested: false };
  const row = await db<CheckRunRow>('check_runs').where({ id }).first('cancel_requested');
  return { running: true, cancelRequested: Boolean(row?.cancel_requested) };
}

/** A page of a run: a range of SIM ids of one lane (migration 1901). */
export interface CheckRunPageRow {
  id: number;
  run_id: number;
  /** `*` (every SIM of the run, one provider for all) or an operator. */
  lane: string;
  after_id: number;
  up_to_id: number | null;
  /** Every SIM of the page up to here is settled; `done` of them. */
  cursor_id: number;
  done: number;
  status: 'pending' | 'claimed' | 'done' | 'given_up';
  worker: string | null;
  heartbeat_at: string | null;
  claims: number;
  message: string | null;
}

const PAGES = 'check_run_pages';

/**
 * Where a lane's pages start after `afterId`: the id of every `pageSize`-th SIM the lane checks
 * now (in id order). Pages are (afterId, b1], (b1, b2], …, (bn, ∞).
 */
export async function pageBounds(
  db: Queryable,
  afterId: number,
  includeSold: boolean,
  operators: readonly string[] | null,
  pageSize: number,
): Promise<number[]> {
  const numbered = db('simcards')
    .select('id', db.raw('row_number() over (order by id) as rn'))
    .whereIn('status', checkableStatuses(includeSold))
    .andWhere('id', '>', afterId);
  if (operators) numbered.whereIn('operator', operators);
  const rows = (await db.select('id').from(numbered.as('t')).whereRaw('rn % ? = 0', [pageSize]).orderBy('id')) as { id: number }[];
  return rows.map((r) => Number(r.id));
}

/** Adds a lane's pages (from its bounds); pages already there (same start) are kept as they are. */
export async function insertPages(db: Queryable, runId: number, lane: string, afterId: number, bounds: readonly number[]): Promise<void> {
  const starts = [afterId, ...bounds];
  const rows = starts.map((after, i) => ({
    run_id: runId,
    lane,
    after_id: after,
    up_to_id: bounds[i] ?? null,
    cursor_id: after,
  }));
  // SQLite caps a multi-row insert at 500 rows.
  for (let i = 0; i < rows.length; i += 200) {
    await db(PAGES)
      .insert(rows.slice(i, i + 200))
      .onConflict(['run_id', 'lane', 'after_id'])
      .ignore();
  }
}

export async function hasPages(db: Queryable, runId: number): Promise<boolean> {
  return (await db(PAGES).where({ run_id: runId }).first('id')) !== undefined;
}

const claimable = (staleBefore: string) => (q: Knex.QueryBuilder) =>
  q.where('status', 'pending').orWhere((c) => c.where('status', 'claimed').andWhere('heartbeat_at', '<', staleBefore));

/**
 * Claims the lane's first page that is free (pending, or held by a worker silent for a lease)
 * for `worker`, or answers undefined. Exactly one worker gets a page: on PostgreSQL the row is
 * locked with SKIP LOCKED (workers asking at once take different pages); SQLite runs one write
 * at a time.
 */
export async function claimPage(
  db: Queryable,
  runId: number,
  lane: string,
  worker: string,
  staleBefore: string,
): Promise<CheckRunPageRow | undefined> {
  const pick = db(PAGES).select('id').where({ run_id: runId, lane }).andWhere(claimable(staleBefore)).orderBy('after_id').limit(1);
  if (!isSqlite(db)) pick.forUpdate().skipLocked();
  // `id = (…)`, not `id IN (…)`: PostgreSQL may run an IN subquery more than once in one
  // UPDATE, each run locking and answering another page.
  const [row] = (await db(PAGES)
    .where('id', '=', pick)
    .andWhere(claimable(staleBefore))
    .update({ status: 'claimed', worker, heartbeat_at: now(), claims: db.raw('claims + 1') })
    .returning('*')) as CheckRunPageRow[];
  return row;
}

/** Whether a running run has a page a worker could claim now. */
export async function hasClaimable(db: Queryable, runId: number, staleBefore: string): Promise<boolean> {
  return (await db(PAGES).where({ run_id: runId }).andWhere(claimable(staleBefore)).first('id')) !== undefined;
}

/** The holder beats for its pages; answers those still its own (a page taken over is not). */
export async function beatPages(db: Queryable, worker: string, pageIds: readonly number[]): Promise<number[]> {
  if (pageIds.length === 0) return [];
  const rows = (await db(PAGES)
    .whereIn('id', pageIds)
    .andWhere({ worker, status: 'claimed' })
    .update({ heartbeat_at: now() })
    .returning('id')) as Array<{ id: number } | number>;
  return rows.map((r) => Number(typeof r === 'object' ? r.id : r));
}

/**
 * Saves a page's progress if `worker` still holds it: its cursor, `doneDelta` more SIMs done,
 * and its new status (claimed: still working; done; pending: released to other workers).
 */
export async function savePage(
  db: Queryable,
  pageId: number,
  worker: string,
  progress: { cursor_id: number; doneDelta: number; status: 'claimed' | 'done' | 'pending' },
): Promise<boolean> {
  const n = await db(PAGES)
    .where({ id: pageId, worker, status: 'claimed' })
    .update({
      cursor_id: progress.cursor_id,
      done: db.raw('done + ?', [progress.doneDelta]),
      status: progress.status,
      ...(progress.status === 'pending' ? { worker: null } : { heartbeat_at: now() }),
    });
  return n === 1;
}

/** A lane given up (its operator failed for too long): its pages not done stop, with the reason. */
export async function giveUpLane(db: Queryable, runId: number, lane: string, message: string): Promise<void> {
  await db(PAGES).where({ run_id: runId, lane }).whereIn('status', ['pending', 'claimed']).update({ status: 'given_up', message });
}

/** A lane with nothing to check any more (its provider was removed): its pages are over. */
export async function closeLane(db: Queryable, runId: number, lane: string): Promise<void> {
  await db(PAGES).where({ run_id: runId, lane }).whereIn('status', ['pending', 'claimed']).update({ status: 'done' });
}

/** A resumed run: every page not done is free again. */
export async function reopenPages(db: Queryable, runId: number): Promise<void> {
  await db(PAGES)
    .where({ run_id: runId })
    .whereIn('status', ['claimed', 'given_up'])
    .update({ status: 'pending', worker: null, heartbeat_at: null, message: null });
}

/** How a run's pages stand: pages per status, and each lane given up with its reason. */
export async function pagesSummary(
  db: Queryable,
  runId: number,
): Promise<{ byStatus: Record<CheckRunPageRow['status'], number>; lanes: string[]; givenUp: Map<string, string> }> {
  const rows = (await db(PAGES).where({ run_id: runId }).select('lane', 'status', 'message')) as Pick<
    CheckRunPageRow,
    'lane' | 'status' | 'message'
  >[];
  const byStatus = { pending: 0, claimed: 0, done: 0, given_up: 0 };
  const lanes = new Set<string>();
  const givenUp = new Map<string, string>();
  for (const r of rows) {
    byStatus[r.status]++;
    lanes.add(r.lane);
    if (r.status === 'given_up') givenUp.set(r.lane, r.message ?? 'given up');
  }
  return { byStatus, lanes: [...lanes].sort(), givenUp };
}

/** Whether a worker other than `worker` holds a page of the run and is alive. */
export async function othersAtWork(db: Queryable, runId: number, worker: string, staleBefore: string): Promise<boolean> {
  const row = await db(PAGES)
    .where({ run_id: runId, status: 'claimed' })
    .andWhere('worker', '<>', worker)
    .andWhere('heartbeat_at', '>=', staleBefore)
    .first('id');
  return row !== undefined;
}

/** A run's pages in order (tests and the bench look at who did what). */
export function pagesOf(db: Queryable, runId: number): Promise<CheckRunPageRow[]> {
  return db<CheckRunPageRow>(PAGES).where({ run_id: runId }).orderBy(['lane', 'after_id']);
}
