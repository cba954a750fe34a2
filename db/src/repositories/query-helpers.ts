import type { Knex } from 'knex';

/** The smallest string greater than every string starting with `prefix`; null if none. */
export function nextPrefix(prefix: string): string | null {
  let s = prefix;
  while (s.length > 0) {
    const last = s.charCodeAt(s.length - 1);
    if (last < 0x7e) return s.slice(0, -1) + String.fromCharCode(last + 1);
    s = s.slice(0, -1);
  }
  return null;
}

/** knex's count comes back as a number (SQLite) or a string (PostgreSQL bigint). */
export async function countOf(qb: Knex.QueryBuilder): Promise<number> {
  const row = (await qb.clearSelect().clearOrder().count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}
