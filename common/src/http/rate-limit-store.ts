/**
 * Rate-limit windows shared by every instance of a service (issue 18): with several main API
 * instances behind a proxy, the documented limits are the cluster's, not N times them.
 *
 * PostgreSQL only (SQLite means one process; its counters stay in memory). One row per client
 * and limit in an UNLOGGED table (counters, not data: not worth a WAL write, and losing them in
 * a crash only forgives a window), counted with one atomic upsert per request, on the
 * database's clock so instances with drifting clocks agree on when a window ends. The table is
 * created on first use (IF NOT EXISTS), not by a migration: it holds nothing to migrate.
 */
import type { Logger } from '../logger.js';

/** Runs one statement with `?` placeholders and answers its rows (knex's `db.raw` fits). */
export type RawQuery = (sql: string, bindings: readonly (string | number)[]) => Promise<Record<string, unknown>[]>;

export interface WindowCount {
  count: number;
  /** Milliseconds until the window ends. */
  resetInMs: number;
}

export interface RateLimitStore {
  /** Counts one request in `bucket`'s window (a new window of `windowSeconds` if none is open). */
  hit(bucket: string, windowSeconds: number): Promise<WindowCount>;
  /** Takes back one request (never below 0). */
  unhit(bucket: string): Promise<void>;
  /** Forgets the bucket's window. */
  reset(bucket: string): Promise<void>;
  close(): void;
}

const TABLE = 'rate_limit_windows';
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
/** Expired windows are deleted this often (by whichever instance; cheap, indexed by nothing but small). */
const SWEEP_EVERY_MS = 60_000;

export function postgresRateLimitStore(query: RawQuery, log?: Logger): RateLimitStore {
  let ready: Promise<void> | undefined;
  const ensureTable = () =>
    (ready ??= query(
      `CREATE UNLOGGED TABLE IF NOT EXISTS ${TABLE} (bucket text PRIMARY KEY, count integer NOT NULL, reset_at bigint NOT NULL)`,
      [],
    ).then(
      () => undefined,
      (err: { code?: string }) => {
        // Two instances creating it at the same moment: the loser sees a duplicate; the table exists.
        if (err.code === '23505' || err.code === '42P07') return;
        ready = undefined;
        throw err;
      },
    ));
  const sweep = setInterval(() => {
    void ensureTable()
      .then(() => query(`DELETE FROM ${TABLE} WHERE reset_at <= ${NOW_MS}`, []))
      .catch((err: unknown) => log?.warn('rate limits: sweeping expired windows failed', { error: String(err) }));
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    async hit(bucket, windowSeconds) {
      await ensureTable();
      const rows = await query(
        `INSERT INTO ${TABLE} AS w (bucket, count, reset_at) VALUES (?, 1, ${NOW_MS} + ?)
         ON CONFLICT (bucket) DO UPDATE SET
           count = CASE WHEN w.reset_at <= ${NOW_MS} THEN 1 ELSE w.count + 1 END,
           reset_at = CASE WHEN w.reset_at <= ${NOW_MS} THEN EXCLUDED.reset_at ELSE w.reset_at END
         RETURNING count, reset_at - ${NOW_MS} AS reset_in_ms`,
        [bucket, windowSeconds * 1000],
      );
      const row = rows[0]!;
      return { count: Number(row['count']), resetInMs: Number(row['reset_in_ms']) };
    },
    async unhit(bucket) {
      await ensureTable();
      await query(`UPDATE ${TABLE} SET count = count - 1 WHERE bucket = ? AND count > 0 AND reset_at > ${NOW_MS}`, [bucket]);
    },
    async reset(bucket) {
      await ensureTable();
      await query(`DELETE FROM ${TABLE} WHERE bucket = ?`, [bucket]);
    },
    close() {
      clearInterval(sweep);
    },
  };
}
