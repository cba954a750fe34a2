/**
 * How fresh the SIM statuses are: the age of the last successful (completed) check run, and
 * `data_stale` when the scheduled auto-check is on and that run is older than twice its
 * interval (or there was none). With the auto-check off (interval 0) nothing is expected to
 * refresh the data: `data_stale` is then null, not a guess. One definition for /health and
 * /statistics.
 */
export interface DataFreshness {
  last_check_run_at: string | null;
  last_check_run_age_seconds: number | null;
  data_stale: boolean | null;
}

export function dataFreshness(lastCompletedAt: Date | null, autoCheckIntervalMin: number, now = new Date()): DataFreshness {
  const ageMs = lastCompletedAt ? Math.max(0, now.getTime() - lastCompletedAt.getTime()) : null;
  return {
    last_check_run_at: lastCompletedAt ? lastCompletedAt.toISOString() : null,
    last_check_run_age_seconds: ageMs === null ? null : Math.floor(ageMs / 1000),
    data_stale: autoCheckIntervalMin > 0 ? ageMs === null || ageMs > 2 * autoCheckIntervalMin * 60_000 : null,
  };
}
