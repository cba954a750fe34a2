/**
 * One budget per operator across the status API workers on one PostgreSQL (issue 18): the SQL
 * behind the cluster-wide rate limit (numbered slots per period, reserved a few at a time in one
 * statement) and the cluster-wide concurrency (an allotment per live worker, renewed by its
 * heartbeat; the allotments never add up to more than the operator's concurrency).
 * PostgreSQL only: on SQLite the one process keeps its in-process limiter.
 */
import type { Db, Queryable } from '../connection.js';

export interface SlotGrant {
  /** Period number since the epoch. */
  bucket: number;
  /** The first slot index granted; the grant is `[first, first + granted)`. */
  first: number;
  granted: number;
  /** The `nowMs` the slots were reserved at. */
  nowMs: number;
}

/**
 * Reserves up to `want` slots of `operator`, in the current period (never a slot whose time has
 * passed) or, when `minBucket` is later, in that one. The `capacity` slots of a period are spread
 * over its first `spanMs`: slot `i` of bucket `b` is at `b × periodMs + i × spanMs / capacity`
 * by the workers' clocks (`nowMs`: the caller's; hosts kept in sync by NTP, well within the
 * limiter's 200 ms margin). One statement, no transaction held: the row's lock decides between
 * workers asking at once. `granted` 0: the period is used up.
 */
export async function reserveSlots(
  db: Queryable,
  args: { operator: string; nowMs: number; periodMs: number; spanMs: number; capacity: number; want: number; minBucket: number },
): Promise<SlotGrant> {
  const { operator, nowMs, periodMs, spanMs, capacity, want, minBucket } = args;
  const result = await db.raw<{ rows: Array<{ bucket: string; next_slot: number; granted: number; now_ms: string }> }>(
    `WITH c AS (SELECT :now::bigint AS now_ms),
     b AS (SELECT now_ms, GREATEST(now_ms / :period::bigint, :minBucket::bigint) AS bucket FROM c),
     f AS (
       SELECT bucket, CASE WHEN bucket = now_ms / :period::bigint
                           THEN ceil((now_ms - bucket * :period::bigint) * :capacity::numeric / :span::numeric)::int
                           ELSE 0 END AS first
       FROM b)
     INSERT INTO operator_rate_slots AS s (operator, bucket, next_slot, granted)
     SELECT :operator, bucket, LEAST(:capacity::int, first + :want::int), GREATEST(0, LEAST(:capacity::int, first + :want::int) - first) FROM f
     ON CONFLICT (operator, bucket) DO UPDATE SET
       next_slot = GREATEST(s.next_slot, LEAST(:capacity::int, GREATEST(s.next_slot, (SELECT first FROM f)) + :want::int)),
       granted = GREATEST(0, LEAST(:capacity::int, GREATEST(s.next_slot, (SELECT first FROM f)) + :want::int)
                             - GREATEST(s.next_slot, (SELECT first FROM f)))
     RETURNING bucket, next_slot, granted, (SELECT now_ms FROM c) AS now_ms`,
    { operator, now: Math.floor(nowMs), period: periodMs, span: spanMs, capacity, want, minBucket },
  );
  const row = result.rows[0]!;
  return { bucket: Number(row.bucket), first: row.next_slot - row.granted, granted: row.granted, nowMs: Number(row.now_ms) };
}

/** Forgets the slots of periods before `beforeBucket` (they can no longer be used). */
export async function forgetSlots(db: Queryable, operator: string, beforeBucket: number): Promise<void> {
  await db('operator_rate_slots').where({ operator }).andWhere('bucket', '<', beforeBucket).delete();
}

export interface AllotmentArgs {
  operator: string;
  worker: string;
  /** The operator's concurrency for the whole cluster. */
  limit: number;
  /** A worker silent this long is dead: its row is removed and its allotment shared out. */
  leaseMs: number;
  /** Calls this worker has in flight now: its allotment never drops below them. */
  inFlight: number;
}

/**
 * The worker's heartbeat for one operator, in one short transaction (serialised per operator by
 * an advisory lock): removes dead workers' rows, and moves this worker's allotment towards its
 * fair share of `limit` among the live workers — up only by what the others leave free, down at
 * once but never below its calls in flight. Answers the allotment now recorded and the share it
 * aims at; the caller must never have more calls in flight than the smaller of the two.
 */
export async function beatAllotment(db: Db, args: AllotmentArgs): Promise<{ allotted: number; target: number; workers: number }> {
  const { operator, worker, limit, leaseMs, inFlight } = args;
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`operator_concurrency:${operator}`]);
    await trx('operator_concurrency')
      .where({ operator })
      .andWhereNot({ worker })
      .andWhereRaw(`beat_at < now() - make_interval(secs => ?)`, [leaseMs / 1000])
      .delete();
    const rows = await trx('operator_concurrency')
      .where({ operator })
      .select<Array<{ worker: string; allotted: number }>>('worker', 'allotted');
    const names = [...new Set([...rows.map((r) => r.worker), worker])].sort();
    const mine = rows.find((r) => r.worker === worker)?.allotted ?? 0;
    const others = rows.filter((r) => r.worker !== worker).reduce((sum, r) => sum + r.allotted, 0);
    // floor(limit / n) each, the remainder to the first workers by name: the shares add up to limit.
    const rank = names.indexOf(worker);
    const target = Math.floor(limit / names.length) + (rank < limit % names.length ? 1 : 0);
    const allotted = target >= mine ? Math.max(mine, Math.min(target, limit - others)) : Math.max(target, Math.min(inFlight, mine));
    await trx('operator_concurrency')
      .insert({ operator, worker, allotted, beat_at: trx.raw('now()') })
      .onConflict(['operator', 'worker'])
      .merge(['allotted', 'beat_at']);
    return { allotted, target, workers: names.length };
  });
}

/** A worker leaving gives its allotment back at once. */
export async function releaseAllotment(db: Queryable, operator: string, worker: string): Promise<void> {
  await db('operator_concurrency').where({ operator, worker }).delete();
}
