/**
 * Date arithmetic in SQL, the one place where the dialects differ for the statistics: SQLite
 * keeps timestamps as ISO-8601 UTC text (as `now()` writes them), PostgreSQL as timestamptz.
 * Everything else (a range such as "since midnight") is computed here in the process as an ISO
 * string and bound as a parameter, which compares correctly on both.
 */
import type { Knex } from 'knex';
import { isSqlite, type Queryable } from '../connection.js';

export const DAY_MS = 86_400_000;

/** The UTC calendar day (`YYYY-MM-DD`) of a timestamp column, as text. */
export function utcDay(db: Queryable, column: string): Knex.Raw {
  return isSqlite(db) ? db.raw('substr(??, 1, 10)', [column]) : db.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD')`, [column]);
}

/** SQL text for `later - earlier` in days (fractional), for use inside an aggregate. */
export function daysBetweenSql(db: Queryable, later: string, earlier: string): string {
  return isSqlite(db) ? `(julianday(${later}) - julianday(${earlier}))` : `(extract(epoch from (${later} - ${earlier})) / 86400.0)`;
}

/** Midnight UTC of the day `at` falls on. */
export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function isoDaysBefore(at: Date, days: number): string {
  return new Date(at.getTime() - days * DAY_MS).toISOString();
}

/** Aggregates come back as numbers (SQLite) or strings (PostgreSQL numeric and bigint). */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
