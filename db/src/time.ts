/**
 * Timestamps are written as ISO-8601 UTC strings on both dialects (SQLite keeps the text,
 * PostgreSQL parses it into timestamptz) and read back through `toIso`, which accepts either.
 */
export function now(): string {
  return new Date().toISOString();
}

export function toIso(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
