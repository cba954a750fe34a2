/**
 * Timestamps are written as ISO-8601 UTC strings on both dialects (SQLite keeps the text,
 * PostgreSQL parses it into timestamptz) and read back through `toIso`, which accepts either.
 */
export function now(): string {
  return new Date().toISOString();
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function toIso(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  // What `now()` wrote comes back unchanged from SQLite: no need to parse it (a hot path in lists).
  if (typeof value === 'string' && ISO_UTC.test(value)) return value;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
