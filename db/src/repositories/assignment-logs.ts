import type { Queryable } from '../connection.js';
import type { AssignmentLogRow } from '../rows.js';
import { now } from '../time.js';

export type NewAssignmentLog = Omit<AssignmentLogRow, 'id' | 'created_at'>;

export async function insert(db: Queryable, entries: NewAssignmentLog[]): Promise<void> {
  if (entries.length === 0) return;
  const at = now();
  // knex caps SQLite multi-row inserts at 500 rows per statement.
  for (let i = 0; i < entries.length; i += 500) {
    await db('assignment_logs').insert(entries.slice(i, i + 500).map((e) => ({ ...e, created_at: at })));
  }
}

export function listForSimcard(db: Queryable, simcardId: number): Promise<AssignmentLogRow[]> {
  return db<AssignmentLogRow>('assignment_logs').where({ simcard_id: simcardId }).orderBy('id', 'desc');
}
