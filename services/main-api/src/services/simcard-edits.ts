/**
 * The field edits of a SIM card, as its history shows them. Apart from `history.ts`, which reads
 * them: the SIM service writes edits and the history service reads the SIM service.
 */
import { historyRepository, type Queryable, type SimcardRow } from '@simcard/db';

/**
 * Writes which fields an edit changed, from what to what (nothing when none did). Called by
 * SimcardsService.update inside its transaction; moves are logged there separately.
 */
export async function recordEdit(
  db: Queryable,
  before: SimcardRow,
  fields: Partial<Record<keyof SimcardRow, unknown>>,
  userId: number,
): Promise<void> {
  const changes: historyRepository.FieldChange[] = [];
  for (const [field, to] of Object.entries(fields)) {
    if (to === undefined) continue;
    const from = before[field as keyof SimcardRow] ?? null;
    if (from !== to) changes.push({ field, from, to });
  }
  if (changes.length === 0) return;
  await historyRepository.insertEdit(db, { simcard_id: before.id, iccid: before.iccid, user_id: userId, changes });
}
