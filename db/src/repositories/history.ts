/**
 * What happened to one SIM card, from the tables that record it: moves (assignment_logs), field
 * edits (simcard_edits) and status changes (status_check_logs), each with who did it where known.
 */
import type { Queryable } from '../connection.js';
import type { AssignmentAction, DbTimestamp } from '../rows.js';
import { now } from '../time.js';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface NewSimcardEdit {
  simcard_id: number;
  iccid: string;
  user_id: number | null;
  changes: FieldChange[];
}

export async function insertEdit(db: Queryable, edit: NewSimcardEdit): Promise<void> {
  await db('simcard_edits').insert({ ...edit, changes: JSON.stringify(edit.changes), created_at: now() });
}

export interface MoveEntry {
  id: number;
  action: AssignmentAction;
  from_shop_id: number | null;
  to_shop_id: number | null;
  user_id: number | null;
  username: string | null;
  created_at: DbTimestamp;
}

export interface EditEntry {
  id: number;
  changes: FieldChange[];
  user_id: number | null;
  username: string | null;
  created_at: DbTimestamp;
}

export interface StatusChangeEntry {
  id: number;
  previous_status: string | null;
  new_status: string | null;
  source: string;
  checked_at: DbTimestamp;
}

/** Newest first, at most `limit` (a SIM moves and changes a handful of times; the cap guards the answer's size). */
export function movesOf(db: Queryable, simcardId: number, limit: number): Promise<MoveEntry[]> {
  return db('assignment_logs as l')
    .leftJoin('users as u', 'u.id', 'l.user_id')
    .where('l.simcard_id', simcardId)
    .select('l.id', 'l.action', 'l.from_shop_id', 'l.to_shop_id', 'l.user_id', 'u.username', 'l.created_at')
    .orderBy('l.id', 'desc')
    .limit(limit);
}

export async function editsOf(db: Queryable, simcardId: number, limit: number): Promise<EditEntry[]> {
  const rows: (Omit<EditEntry, 'changes'> & { changes: string })[] = await db('simcard_edits as e')
    .leftJoin('users as u', 'u.id', 'e.user_id')
    .where('e.simcard_id', simcardId)
    .select('e.id', 'e.changes', 'e.user_id', 'u.username', 'e.created_at')
    .orderBy('e.id', 'desc')
    .limit(limit);
  return rows.map((r) => ({ ...r, changes: JSON.parse(r.changes) as FieldChange[] }));
}

/** Only checks that changed something: a failed or unchanged check is not an event in the SIM's life. */
export function statusChangesOf(db: Queryable, simcardId: number, limit: number): Promise<StatusChangeEntry[]> {
  return db('status_check_logs')
    .where({ simcard_id: simcardId })
    .where('changed', true)
    .select('id', 'previous_status', 'new_status', 'source', 'checked_at')
    .orderBy('id', 'desc')
    .limit(limit);
}
