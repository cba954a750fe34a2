/**
 * Grouping by the dealer's days (TIME_ZONE) in SQL, exactly, on both dialects, without time
 * zone support in the database (SQLite has none): the days are computed in the process
 * (@simcard/common's dealer-time), and a range of days whose UTC offset does not change is
 * grouped by the timestamp shifted by that offset; a day on which the offset changes (a DST
 * transition) is its own group, a constant, bounded by its exact instants.
 */
import type { Knex } from 'knex';
import { isSqlite, type Queryable } from '../connection.js';

export interface DealerDay {
  day: string;
  /** ISO instants: the day's first instant, and the next day's. */
  from: string;
  to: string;
}

export interface DayGroup {
  from: string;
  to: string;
  /** SQL for the dealer day (`YYYY-MM-DD`) of the column's rows in [from, to). */
  day: Knex.Raw;
}

/** The offset (minutes) that maps each instant of the day to its local date, or null when it changes during the day. */
function steadyOffset(d: DealerDay, offsetAt: (iso: string) => number): number | null {
  const a = offsetAt(d.from);
  const b = offsetAt(new Date(Date.parse(d.to) - 1).toISOString());
  return a === b ? a : null;
}

/** The SQL day of `column` shifted by `minutes`. */
export function shiftedDay(db: Queryable, column: string, minutes: number): Knex.Raw {
  return isSqlite(db)
    ? db.raw(`strftime('%Y-%m-%d', ??, ?)`, [column, `${minutes >= 0 ? '+' : ''}${minutes} minutes`])
    : db.raw(`to_char((?? at time zone 'UTC') + make_interval(mins => ?::int), 'YYYY-MM-DD')`, [column, minutes]);
}

/**
 * Groups covering `days` (consecutive, oldest first): run the same aggregate over each group's
 * range with its `day` expression, and the rows of all groups are the per-day rows.
 */
export function dayGroups(db: Queryable, column: string, days: DealerDay[], offsetAt: (iso: string) => number): DayGroup[] {
  const groups: DayGroup[] = [];
  let run: { from: string; to: string; offset: number } | null = null;
  const flush = () => {
    if (run) groups.push({ from: run.from, to: run.to, day: shiftedDay(db, column, run.offset) });
    run = null;
  };
  for (const d of days) {
    const offset = steadyOffset(d, offsetAt);
    if (offset === null) {
      flush();
      groups.push({ from: d.from, to: d.to, day: db.raw('?', [d.day]) });
    } else if (run && run.offset === offset && run.to === d.from) {
      run.to = d.to;
    } else {
      flush();
      run = { from: d.from, to: d.to, offset };
    }
  }
  flush();
  return groups;
}
