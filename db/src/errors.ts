/** Recognizing constraint violations the same way on SQLite and PostgreSQL. */
interface DriverError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  detail?: unknown;
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as DriverError;
  return e?.code === '23505' || (e?.code === 'SQLITE_CONSTRAINT' && String(e.message).includes('UNIQUE'));
}

export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as DriverError;
  return e?.code === '23503' || (e?.code === 'SQLITE_CONSTRAINT' && String(e.message).includes('FOREIGN KEY'));
}

/** The column a unique violation is about, when the driver says (`simcards.iccid` → `iccid`). */
export function violatedColumn(err: unknown): string | null {
  const e = err as DriverError;
  const sqlite = /UNIQUE constraint failed: \w+\.(\w+)/.exec(String(e?.message));
  if (sqlite) return sqlite[1] ?? null;
  const pg = /Key \((\w+)\)/.exec(String(e?.detail));
  return pg ? (pg[1] ?? null) : null;
}
