/** The auto-check report over N days (seed 003's run report), aggregated from `check_runs`. */
import type { Queryable } from '../connection.js';
import { dayGroups, type DealerDay } from './dealer-days.js';
import { daysBetweenSql, num, numOrNull } from './sql-dates.js';

export interface CheckRunFigures {
  runs: number;
  successful: number;
  failed: number;
  cancelled: number;
  running: number;
  /** Mean seconds from start to finish of the finished runs; null when none finished. */
  mean_duration_seconds: number | null;
  sims_checked: number;
  changes_found: number;
  errors: number;
}

/** Figures per dealer day of `started_at` over `days` (days without runs are absent) and over the whole range. */
export async function checkRunFigures(
  db: Queryable,
  days: DealerDay[],
  offsetAt: (iso: string) => number,
): Promise<{ total: CheckRunFigures; days: (CheckRunFigures & { day: string })[] }> {
  const since = days[0]!.from;
  const columns = [
    db.raw('count(*) as runs'),
    db.raw(`coalesce(sum(case when status = 'completed' then 1 else 0 end), 0) as successful`),
    // A run that died with its process (interrupted) failed as far as the report goes.
    db.raw(`coalesce(sum(case when status in ('failed', 'interrupted') then 1 else 0 end), 0) as failed`),
    db.raw(`coalesce(sum(case when status = 'cancelled' then 1 else 0 end), 0) as cancelled`),
    db.raw(`coalesce(sum(case when status = 'running' then 1 else 0 end), 0) as running`),
    db.raw(
      `avg(case when finished_at is not null then ${daysBetweenSql(db, 'finished_at', 'started_at')} * 86400 end) as mean_duration_seconds`,
    ),
    db.raw('coalesce(sum(done), 0) as sims_checked'),
    db.raw('coalesce(sum(changed), 0) as changes_found'),
    db.raw('coalesce(sum(errors), 0) as errors'),
  ];
  const [total, ...parts] = await Promise.all([
    db('check_runs').where('started_at', '>=', since).first(columns),
    ...dayGroups(db, 'started_at', days, offsetAt).map((g) =>
      db('check_runs')
        .select(db.raw('? as day', [g.day]), ...columns)
        .where('started_at', '>=', g.from)
        .where('started_at', '<', g.to)
        .groupByRaw('1'),
    ),
  ]);
  const perDay = (parts as Record<string, unknown>[][]).flat().map((r) => ({ day: r.day as string, ...toFigures(r) }));
  return {
    total: toFigures(total as Record<string, unknown>),
    days: perDay.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)),
  };
}

function toFigures(r: Record<string, unknown>): CheckRunFigures {
  const mean = numOrNull(r.mean_duration_seconds);
  return {
    runs: num(r.runs),
    successful: num(r.successful),
    failed: num(r.failed),
    cancelled: num(r.cancelled),
    running: num(r.running),
    mean_duration_seconds: mean === null ? null : Math.round(mean * 10) / 10,
    sims_checked: num(r.sims_checked),
    changes_found: num(r.changes_found),
    errors: num(r.errors),
  };
}
